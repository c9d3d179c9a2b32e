// Playground component: two linked Plotly views (parameter space with draggable
// start points, objective space with the Pareto front) and an animation clock that
// runs entirely in the browser. Python sends the payload built by view_data.py and
// receives two trigger events: "drop" {index, x, y} and "add" {x, y}.

// loadPlotly(src) comes from plotly_loader.js, which component.py prepends.

const HANDLE_DIAMETER_PX = 44; // touch target size recommended by WCAG 2.5.5
const PLAYBACK_SECONDS = 8; // duration of one pass at speed 1x
const DOUBLE_CLICK_MS = 400;
const DOUBLE_CLICK_PX = 8;
const FONT = { family: "Inter, system-ui, sans-serif", size: 13 };

function formatStep(n) {
  return Number(n).toLocaleString("en-US");
}

function axisName(kind, k) {
  return k === 0 ? kind : kind + (k + 1);
}

function buildControls(root) {
  root.innerHTML = `
    <div class="toyopt-controls" role="toolbar" aria-label="Animation">
      <button type="button" data-action="back" title="Previous frame">&#9664; step</button>
      <button type="button" data-action="play" class="toyopt-play">Play</button>
      <button type="button" data-action="forward" title="Next frame">step &#9654;</button>
      <input type="range" class="toyopt-scrubber" min="0" max="0" value="0"
             aria-label="Animation step">
      <span class="toyopt-counter" aria-live="polite"></span>
      <label>speed
        <select class="toyopt-speed">
          <option value="0.25">0.25x</option><option value="0.5">0.5x</option>
          <option value="1" selected>1x</option><option value="2">2x</option>
          <option value="4">4x</option>
        </select>
      </label>
      <label><input type="checkbox" class="toyopt-loop"> loop</label>
    </div>
    <div class="toyopt-views">
      <div class="toyopt-param"></div>
      <div class="toyopt-objective"></div>
    </div>
    <div class="toyopt-hint">Drag a ring to move a start point; double-click an empty
      spot to add one. Click the plot, then use space to play or pause and the arrow
      keys to step.</div>
    <div class="toyopt-error" role="alert"></div>`;
}

// Each "panel" is one parameter-space subplot. Overlay shows every method in one
// panel; the paper-style layout gives each method its own panel.
function panelsFor(data) {
  if (data.layout === "panels") return data.methods.map((_, m) => [m]);
  return [data.methods.map((_, m) => m)];
}

function buildParameterFigure(data, frame) {
  const panels = panelsFor(data);
  const columns = panels.length > 1 ? 2 : 1;
  const rows = Math.ceil(panels.length / columns);
  const gap = 0.07;
  const traces = [];
  const pathTraces = [];
  const headTraces = [];
  const layout = {
    font: FONT,
    margin: { l: 50, r: 10, t: 30, b: 40 },
    showlegend: true,
    // Below the plot, where Plotly's toolbar cannot cover it.
    legend: { orientation: "h", x: 0, y: -0.13, yanchor: "top" },
    shapes: [],
    images: [],
    annotations: [],
    uirevision: "keep",
    hovermode: "closest",
    plot_bgcolor: "#f4f6f8",
  };
  const shownInLegend = new Set();

  panels.forEach((methodIndices, k) => {
    const col = k % columns;
    const row = Math.floor(k / columns);
    const xa = axisName("xaxis", k);
    const ya = axisName("yaxis", k);
    const xref = axisName("x", k);
    const yref = axisName("y", k);
    const width = (1 - gap * (columns - 1)) / columns;
    const height = (1 - gap * (rows - 1)) / rows;
    layout[xa] = {
      domain: [col * (width + gap), col * (width + gap) + width],
      range: data.domain[0].slice(),
      anchor: yref,
      title: { text: "x1" },
      zeroline: false,
      showgrid: false,
      constrain: "domain",
    };
    layout[ya] = {
      domain: [1 - row * (height + gap) - height, 1 - row * (height + gap)],
      range: data.domain[1].slice(),
      anchor: xref,
      title: { text: "x2" },
      zeroline: false,
      showgrid: false,
      scaleanchor: xref,
      constrain: "domain", // shrink the panel rather than widen the range
    };
    layout.images.push({
      source: data.background.url,
      xref,
      yref,
      x: data.background.x[0],
      y: data.background.y[1],
      sizex: data.background.x[1] - data.background.x[0],
      sizey: data.background.y[1] - data.background.y[0],
      sizing: "stretch",
      layer: "below",
    });
    if (panels.length > 1) {
      layout.annotations.push({
        text: "<b>" + data.methods[methodIndices[0]].label + "</b>",
        xref: xref + " domain",
        yref: yref + " domain",
        x: 0.02,
        y: 0.98,
        showarrow: false,
        xanchor: "left",
        yanchor: "top",
        bgcolor: "rgba(255,255,255,0.8)",
      });
    }

    traces.push({
      type: "scatter",
      x: data.pareto.x,
      y: data.pareto.y,
      xaxis: xref,
      yaxis: yref,
      mode: "lines",
      line: { color: "#444", width: 6 },
      opacity: 0.55,
      name: "Pareto set",
      legendgroup: "pareto",
      showlegend: k === 0,
      hoverinfo: "skip",
    });
    traces.push({
      type: "scatter",
      x: [data.minimum.x[0]],
      y: [data.minimum.x[1]],
      xaxis: xref,
      yaxis: yref,
      mode: "markers",
      marker: { symbol: "star", size: 18, color: "#FFD700", line: { color: "#000", width: 1.5 } },
      name: "minimum of L0",
      legendgroup: "minimum",
      showlegend: k === 0,
      hovertemplate: "minimum of L0<br>x = (%{x:.4f}, %{y:.4f})<extra></extra>",
    });

    for (const m of methodIndices) {
      const style = data.methods[m];
      const runs = data.runs.filter((r) => r.method === m);
      for (const run of runs) {
        pathTraces.push({ index: traces.length, run });
        traces.push({
          type: "scatter",
          x: run.x.slice(0, frame + 1),
          y: run.y.slice(0, frame + 1),
          xaxis: xref,
          yaxis: yref,
          mode: "lines",
          line: { color: style.color, width: 3, dash: style.dash },
          name: style.label,
          meta: { method: style.key, start: run.start },
          legendgroup: style.key,
          showlegend: !shownInLegend.has(style.key),
          customdata: run.x.map((_, i) => [data.steps[i], run.l1[i], run.l2[i], run.l0[i]]),
          hovertemplate:
            style.label + ", start " + (run.start + 1) +
            "<br>step %{customdata[0]:,}<br>x = (%{x:.4f}, %{y:.4f})" +
            "<br>L1 = %{customdata[1]:.4f}<br>L2 = %{customdata[2]:.4f}" +
            "<br>L0 = %{customdata[3]:.4f}<extra></extra>",
        });
        shownInLegend.add(style.key);
        if (run.diverged_at !== null) {
          traces.push(divergedMarker(run.x, run.y, run, style, xref, yref));
        }
      }
      headTraces.push({ index: traces.length, runs, key: ["x", "y"] });
      traces.push(headTrace(runs, "x", "y", frame, style, xref, yref));
    }

    data.starts.forEach((start, i) => {
      layout.shapes.push({
        type: "circle",
        name: "start-" + i,
        xref,
        yref,
        xsizemode: "pixel",
        ysizemode: "pixel",
        xanchor: start[0],
        yanchor: start[1],
        x0: -HANDLE_DIAMETER_PX / 2,
        x1: HANDLE_DIAMETER_PX / 2,
        y0: -HANDLE_DIAMETER_PX / 2,
        y1: HANDLE_DIAMETER_PX / 2,
        fillcolor: "rgba(255,255,255,0.35)",
        line: { color: "#111", width: 2.5 },
        label: { text: String(i + 1), font: { size: 13, color: "#111" } },
      });
    });
  });
  return { traces, layout, pathTraces, headTraces };
}

function headTrace(runs, xKey, yKey, frame, style, xref, yref) {
  return {
    type: "scatter",
    x: runs.map((r) => r[xKey][frame]),
    y: runs.map((r) => r[yKey][frame]),
    xaxis: xref,
    yaxis: yref,
    mode: "markers",
    marker: {
      symbol: style.symbol,
      size: 12,
      color: style.color,
      line: { color: "#000", width: 1.2 },
    },
    name: style.label + " (current step)",
    legendgroup: style.key,
    showlegend: false,
    hoverinfo: "skip",
  };
}

function divergedMarker(xs, ys, run, style, xref, yref) {
  const last = xs.length - 1;
  return {
    type: "scatter",
    x: [xs[last]],
    y: [ys[last]],
    xaxis: xref,
    yaxis: yref,
    mode: "markers",
    marker: { symbol: "x-thin", size: 16, color: style.color, line: { width: 3, color: style.color } },
    name: "diverged",
    showlegend: false,
    hovertemplate: style.label + ", start " + (run.start + 1) +
      ": diverged at step " + formatStep(run.diverged_at) + "<extra></extra>",
  };
}

function buildObjectiveFigure(data, frame) {
  const traces = [];
  const pathTraces = [];
  const headTraces = [];
  traces.push({
    type: "scatter",
    x: data.front.l1,
    y: data.front.l2,
    mode: "lines",
    line: { color: "#444", width: 6 },
    opacity: 0.55,
    name: "Pareto front",
    hoverinfo: "skip",
  });
  traces.push({
    type: "scatter",
    x: [data.minimum.losses[0]],
    y: [data.minimum.losses[1]],
    mode: "markers",
    marker: { symbol: "star", size: 18, color: "#FFD700", line: { color: "#000", width: 1.5 } },
    name: "minimum of L0",
    hovertemplate: "minimum of L0<br>L1 = %{x:.4f}<br>L2 = %{y:.4f}<extra></extra>",
  });
  data.methods.forEach((style, m) => {
    const runs = data.runs.filter((r) => r.method === m);
    runs.forEach((run, j) => {
      pathTraces.push({ index: traces.length, run });
      traces.push({
        type: "scatter",
        x: run.l1.slice(0, frame + 1),
        y: run.l2.slice(0, frame + 1),
        mode: "lines",
        line: { color: style.color, width: 3, dash: style.dash },
        name: style.label,
        meta: { method: style.key, start: run.start },
        legendgroup: style.key,
        showlegend: j === 0,
        customdata: run.l1.map((_, i) => [data.steps[i], run.x[i], run.y[i], run.l0[i]]),
        hovertemplate:
          style.label + ", start " + (run.start + 1) +
          "<br>step %{customdata[0]:,}<br>x = (%{customdata[1]:.4f}, %{customdata[2]:.4f})" +
          "<br>L1 = %{x:.4f}<br>L2 = %{y:.4f}<br>L0 = %{customdata[3]:.4f}<extra></extra>",
      });
      if (run.diverged_at !== null) {
        traces.push(divergedMarker(run.l1, run.l2, run, style, "x", "y"));
      }
    });
    headTraces.push({ index: traces.length, runs, key: ["l1", "l2"] });
    traces.push(headTrace(runs, "l1", "l2", frame, style, "x", "y"));
  });
  const layout = {
    font: FONT,
    margin: { l: 60, r: 10, t: 40, b: 45 },
    title: { text: "Objective space", font: { size: 14 }, x: 0.02, y: 0.985 },
    xaxis: { title: { text: "L1" }, zeroline: false },
    yaxis: { title: { text: "L2" }, zeroline: false },
    legend: { orientation: "h", x: 0, y: -0.15, yanchor: "top" },
    uirevision: "keep",
    hovermode: "closest",
    plot_bgcolor: "#f7f8fa",
  };
  return { traces, layout, pathTraces, headTraces };
}

// Move every trajectory to `frame`: paths show records 0..frame, heads sit at frame.
function showFrame(root, frame) {
  const data = root._data;
  const last = data.steps.length - 1;
  frame = Math.max(0, Math.min(last, Math.round(frame)));
  root._frame = frame;
  for (const view of [root._param, root._objective]) {
    if (!view || !view.div.data) continue;
    const indices = [];
    const xs = [];
    const ys = [];
    for (const p of view.pathTraces) {
      const [xKey, yKey] = view === root._param ? ["x", "y"] : ["l1", "l2"];
      indices.push(p.index);
      xs.push(p.run[xKey].slice(0, frame + 1));
      ys.push(p.run[yKey].slice(0, frame + 1));
    }
    for (const h of view.headTraces) {
      indices.push(h.index);
      xs.push(h.runs.map((r) => r[h.key[0]][frame]));
      ys.push(h.runs.map((r) => r[h.key[1]][frame]));
    }
    window.Plotly.restyle(view.div, { x: xs, y: ys }, indices);
  }

  const counter = root.querySelector(".toyopt-counter");
  counter.textContent = "step " + formatStep(data.steps[frame]) + " / " +
    formatStep(data.total_steps);
  root.dataset.frame = String(frame);
  root.dataset.step = String(data.steps[frame]);

  const scrubber = root.querySelector(".toyopt-scrubber");
  scrubber.max = String(last);
  scrubber.value = String(frame);
}

function setPlaying(root, playing) {
  root._playing = playing;
  root.dataset.playing = playing ? "true" : "false";
  root.querySelector(".toyopt-play").textContent = playing ? "Pause" : "Play";
  if (!playing) return;
  const last = root._data.steps.length - 1;
  if (root._frame >= last) showFrame(root, 0);
  let previous = performance.now();
  let position = root._frame;
  const tick = (now) => {
    if (!root._playing || !root.isConnected) return;
    const speed = Number(root.querySelector(".toyopt-speed").value);
    const lastFrame = root._data.steps.length - 1;
    position += ((now - previous) / 1000) * speed * (lastFrame / PLAYBACK_SECONDS);
    previous = now;
    if (position >= lastFrame) {
      if (root.querySelector(".toyopt-loop").checked) {
        position = 0;
      } else {
        showFrame(root, lastFrame);
        setPlaying(root, false);
        return;
      }
    }
    if (Math.round(position) !== root._frame) showFrame(root, position);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

function hookControls(root) {
  root.querySelector(".toyopt-controls").addEventListener("click", (event) => {
    const action = event.target.closest("button")?.dataset.action;
    if (action === "play") setPlaying(root, !root._playing);
    if (action === "back" || action === "forward") {
      setPlaying(root, false);
      showFrame(root, root._frame + (action === "back" ? -1 : 1));
    }
  });
  root.querySelector(".toyopt-scrubber").addEventListener("input", (event) => {
    setPlaying(root, false);
    showFrame(root, Number(event.target.value));
  });
  // Keyboard control while the focus is inside the component: space plays or
  // pauses, the arrow keys step one frame, Home and End jump to either end. The
  // scrubber and the buttons keep their own keys.
  root.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, button")) return;
    const last = root._data.steps.length - 1;
    const moves = { ArrowLeft: root._frame - 1, ArrowRight: root._frame + 1, Home: 0, End: last };
    if (event.key === " ") {
      setPlaying(root, !root._playing);
    } else if (event.key in moves) {
      setPlaying(root, false);
      showFrame(root, moves[event.key]);
    } else {
      return;
    }
    event.preventDefault();
  });
}

function clampToDomain(value, range) {
  return Math.min(range[1], Math.max(range[0], value));
}

function hookParameterEvents(root, div) {
  div.on("plotly_relayout", (event) => {
    const key = Object.keys(event).find((k) => k.startsWith("shapes["));
    if (!key) return; // zoom and pan also fire relayout
    const shapeIndex = Number(key.match(/shapes\[(\d+)\]/)[1]);
    const shape = div.layout.shapes[shapeIndex];
    const start = Number(shape.name.split("-")[1]);
    const data = root._data;
    const x = clampToDomain(Number(shape.xanchor), data.domain[0]);
    const y = clampToDomain(Number(shape.yanchor), data.domain[1]);
    root._send("drop", { index: start, x, y });
  });
  // Plotly arms a shape drag on mouse hover, which a touch never produces, so a
  // touch that starts on a handle is replayed as hover, press, moves and release.
  div.addEventListener("touchstart", (event) => bridgeTouchToMouse(event), {
    capture: true,
    passive: false,
  });

  // Plotly lays a drag cover over the plot on mouse-down, so the browser never
  // fires dblclick there. Two presses close in time and place count instead.
  let lastPress = null;
  div.addEventListener(
    "mousedown",
    (event) => {
      if (event.button !== 0 || event.target.closest(".shapelayer, .modebar, .legend")) {
        lastPress = null;
        return;
      }
      const now = performance.now();
      const double = lastPress && now - lastPress.time < DOUBLE_CLICK_MS &&
        Math.hypot(event.clientX - lastPress.x, event.clientY - lastPress.y) < DOUBLE_CLICK_PX;
      lastPress = double ? null : { time: now, x: event.clientX, y: event.clientY };
      if (double) addStartAt(root, div, event.clientX, event.clientY);
    },
    true,
  );
}

function fireMouse(type, target, point) {
  target.dispatchEvent(
    new MouseEvent(type, {
      bubbles: true,
      cancelable: true,
      view: window,
      clientX: point.clientX,
      clientY: point.clientY,
      button: 0,
      buttons: type === "mouseup" ? 0 : 1,
    }),
  );
}

function bridgeTouchToMouse(event) {
  const handle = event.target.closest(".shapelayer path");
  if (!handle || event.touches.length !== 1) return;
  event.preventDefault();
  event.stopPropagation();
  fireMouse("mousemove", handle, event.touches[0]);
  fireMouse("mousedown", handle, event.touches[0]);
  const move = (moved) => {
    moved.preventDefault();
    fireMouse("mousemove", document, moved.touches[0]);
  };
  const end = (ended) => {
    fireMouse("mouseup", document, ended.changedTouches[0]);
    document.removeEventListener("touchmove", move);
    document.removeEventListener("touchend", end);
    document.removeEventListener("touchcancel", end);
  };
  document.addEventListener("touchmove", move, { passive: false });
  document.addEventListener("touchend", end);
  document.addEventListener("touchcancel", end);
}

function addStartAt(root, div, clientX, clientY) {
  const data = root._data;
  if (data.starts.length >= data.max_starts) return;
  const full = div._fullLayout;
  const box = div.getBoundingClientRect();
  const px = clientX - box.left;
  const py = clientY - box.top;
  for (const name of Object.keys(full).filter((k) => /^xaxis\d*$/.test(k))) {
    const xa = full[name];
    const ya = full[xa.anchor.replace("y", "yaxis")];
    const inside = px >= xa._offset && px <= xa._offset + xa._length &&
      py >= ya._offset && py <= ya._offset + ya._length;
    if (inside) {
      const x = clampToDomain(xa.p2d(px - xa._offset), data.domain[0]);
      const y = clampToDomain(ya.p2d(py - ya._offset), data.domain[1]);
      root._send("add", { x, y });
      return;
    }
  }
}

function render(root, Plotly) {
  const data = root._data;
  const last = data.steps.length - 1;
  const frame = root._frame === undefined ? last : Math.min(root._frame, last);
  const paramDiv = root.querySelector(".toyopt-param");
  const objectiveDiv = root.querySelector(".toyopt-objective");
  root.classList.toggle("toyopt-panels", data.layout === "panels");

  const param = buildParameterFigure(data, frame);
  const objective = buildObjectiveFigure(data, frame);
  const config = {
    edits: { shapePosition: true },
    displaylogo: false,
    responsive: true,
    doubleClick: false,
    modeBarButtonsToRemove: ["lasso2d", "select2d"],
  };
  return Promise.all([
    Plotly.react(paramDiv, param.traces, param.layout, config),
    Plotly.react(objectiveDiv, objective.traces, objective.layout, {
      displaylogo: false,
      responsive: true,
    }),
  ]).then(() => {
    root._param = { div: paramDiv, ...param };
    root._objective = { div: objectiveDiv, ...objective };
    if (!root._hooked) {
      root._hooked = true;
      hookControls(root);
      hookParameterEvents(root, paramDiv);
      // Plotly's responsive option follows only window resizes; a layout switch or
      // a collapsed sidebar changes the container without one.
      const observer = new ResizeObserver(() => {
        for (const div of [paramDiv, objectiveDiv]) {
          if (div.data) Plotly.Plots.resize(div);
        }
      });
      observer.observe(paramDiv);
      observer.observe(objectiveDiv);
    }
    showFrame(root, frame);
    root.dataset.revision = String(data.revision);
    root.dataset.ready = "true";
  });
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let root = parentElement.querySelector(".toyopt-root");
  if (!root) {
    root = document.createElement("div");
    root.className = "toyopt-root";
    root.tabIndex = 0; // focusable, for the keyboard controls
    root.setAttribute("aria-label", "Trajectory animation: space plays, arrow keys step");
    buildControls(root);
    parentElement.appendChild(root);
  }
  root._send = setTriggerValue; // always the latest callback of this mount
  root._data = data;
  let cancelled = false;
  loadPlotly(data.plotly_src)
    .then((Plotly) => (cancelled ? null : render(root, Plotly)))
    .catch((error) => {
      root.querySelector(".toyopt-error").textContent =
        "The plot could not be drawn: " + error.message + ". Reload the page to retry.";
    });
  return () => {
    cancelled = true; // keep the DOM so a rerun does not flicker
  };
}
