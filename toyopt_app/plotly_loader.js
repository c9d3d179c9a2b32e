// Load plotly.js once per page from the app's static folder. component.py prepends
// this file to both of its components, the preloader (mounted before the
// trajectories are computed) and the playground. The promise lives on window, so
// the two share one script tag and one download.
function loadPlotly(src) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.toyoptPlotlyPromise) {
    window.toyoptPlotlyPromise = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.toyoptPlotlyPromise = null;
        reject(new Error("could not load " + src));
      };
      document.head.appendChild(script);
    });
  }
  return window.toyoptPlotlyPromise;
}
