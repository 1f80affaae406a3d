// SensorAspire live chart: one filled series per sensor over its window, redrawn from the SSE stream.
// Sensor ids are data: they only ever reach the DOM through textContent, never as HTML.
(() => {
  "use strict";

  const streamEvent = "window";
  // A live update whose trace is sampled: { traceparent, window }, the traceparent being the chart's span (docs/chart.md).
  const tracedStreamEvent = "traced-window";
  // Set only when /api/settings names an OTLP endpoint: the draw-span recorder from lib/telemetry (loaded on demand).
  let drawTelemetry = null;
  let pendingDraws = []; // spans of updates waiting for the next redraw
  let drawing = []; // spans of updates in the redraw under way, ended by uPlot's draw hook
  const sensors = new Map(); // id -> { window, shown, color, row, cells, inReach }
  const ids = []; // every sensor id, kept sorted as sensors arrive: the table's row order and "Default"'s order
  let shownCount = 0; // sensors with shown set, counted as they change so no update has to count them all
  let maxSensorsShown = 8;
  let selectionTouched = false; // once the viewer picks sensors, new ones no longer join the chart by themselves
  let plot = null;
  let plotSeriesKey = "";
  // Updates only change state and mark what they touched; one animation frame then writes the DOM and redraws.
  // (Writing the DOM per update made every frame lay out the whole sensor table, at 1,000 updates/s.)
  const selectionChanges = new Set(); // sensors whose checkbox and row style are older than their selection
  const staleValues = new Set(); // sensors whose value cells are older than their window (written once in reach)
  let chartDirty = false;
  let frameRequested = false;
  let source = null;
  let retryDelay = 1000;

  const el = {
    chart: document.getElementById("chart"),
    empty: document.getElementById("empty"),
    connection: document.getElementById("connection"),
    filter: document.getElementById("filter"),
    showDefault: document.getElementById("show-default"),
    showNone: document.getElementById("show-none"),
    summary: document.getElementById("summary"),
    rows: document.querySelector("#sensors tbody"),
    tableScroll: document.querySelector(".table-scroll"),
  };

  // Stable colour per sensor id, so a sensor keeps its colour across reloads and selections.
  function colorOf(id) {
    let hash = 0;
    for (let i = 0; i < id.length; i++) hash = (hash * 31 + id.charCodeAt(i)) | 0;
    const known = { temp1: 210, temp2: 20 }; // the tutorial's two sensors: blue and orange, as Plotly draws them
    const hue = id in known ? known[id] : Math.abs(hash) % 360;
    return { stroke: `hsl(${hue} 70% 45%)`, fill: `hsl(${hue} 70% 45% / 0.25)` };
  }

  function setConnection(state, text) {
    el.connection.dataset.state = state;
    el.connection.textContent = text;
  }

  function fmt(value) {
    return Number.isFinite(value) ? value.toFixed(2) : "–";
  }

  function lastTimestamp(window) {
    const points = window.points;
    return points.length ? Date.parse(points[points.length - 1].timestamp) : -Infinity;
  }

  function createRow(id, sensor) {
    const row = document.createElement("tr");
    row.dataset.sensor = id; // dataset values are attributes, never parsed as markup
    const pick = document.createElement("td");
    pick.className = "pick";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.setAttribute("aria-label", `Show ${id}`);
    box.addEventListener("change", () => {
      selectionTouched = true;
      setShown(sensor, box.checked);
      requestFrame();
    });
    pick.append(box);

    const name = document.createElement("td");
    name.className = "sensor";
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = sensor.color.stroke;
    const label = document.createElement("span");
    label.className = "sensor-id";
    label.textContent = id;
    name.append(swatch, label);

    const cells = { box, last: valueCell("last"), min: valueCell(), max: valueCell(), mean: valueCell(),
      count: valueCell("points") };
    row.append(pick, name, ...[cells.last, cells.min, cells.max, cells.mean, cells.count].map(value => value.parentNode));
    sensor.row = row;
    sensor.cells = cells;
    applyFilter(row);
  }

  // A cell whose changing text sits in a box of fixed size (.value, see app.css): writing it lays out that box only,
  // never the table around it. Returns the box; the cell is its parent.
  function valueCell(className) {
    const cell = document.createElement("td");
    if (className) cell.className = className;
    const value = document.createElement("span");
    value.className = "value";
    cell.append(value);
    return value;
  }

  // Where id goes in ids (binary search), so a new sensor costs O(log n) to place, not a sort of every id.
  function rankOf(id) {
    let low = 0;
    let high = ids.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (ids[middle] < id) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  function insertSorted(sensor, id) {
    const rank = rankOf(id);
    const next = rank < ids.length ? sensors.get(ids[rank]).row : null;
    ids.splice(rank, 0, id);
    el.rows.insertBefore(sensor.row, next);
    return rank;
  }

  // Writes only what changed: writing the same text again would still cost a layout.
  function setText(cell, text) {
    if (cell.textContent !== text) cell.textContent = text;
  }

  function refreshSelection(sensor) {
    sensor.cells.box.checked = sensor.shown;
    refreshBox(sensor);
    sensor.row.classList.toggle("hidden-series", !sensor.shown);
  }

  function refreshValues(sensor) {
    const { window, cells, row } = sensor;
    const stats = window.stats;
    const points = String(window.points.length);
    setText(cells.last, fmt(stats.last));
    setText(cells.min, fmt(stats.min));
    setText(cells.max, fmt(stats.max));
    setText(cells.mean, fmt(stats.mean));
    setText(cells.count, points);
    if (row.dataset.points !== points) row.dataset.points = points;
  }

  // At the limit, the checkboxes of hidden sensors are disabled.
  let atLimit = false;

  function refreshBox(sensor) {
    const box = sensor.cells.box;
    const disabled = atLimit && !sensor.shown;
    if (box.disabled === disabled) return;
    box.disabled = disabled;
    box.title = disabled ? `At most ${maxSensorsShown} sensors on the chart: hide one first` : "";
  }

  function applyFilter(row) {
    const text = el.filter.value.trim().toLowerCase();
    row.hidden = text !== "" && !row.dataset.sensor.toLowerCase().includes(text);
  }

  // Every change of a sensor's selection goes through here, so shownCount stays exact.
  function setShown(sensor, shown) {
    if (sensor.shown === shown) return;
    sensor.shown = shown;
    shownCount += shown ? 1 : -1;
    selectionChanges.add(sensor);
    chartDirty = true;
  }

  function showDefault() {
    ids.forEach((id, i) => setShown(sensors.get(id), i < maxSensorsShown));
    requestFrame();
  }

  function addSensor(id, window) {
    const sensor = { window, shown: false, color: colorOf(id) };
    sensors.set(id, sensor);
    createRow(id, sensor);
    const rank = insertSorted(sensor, id);
    reachKnown = false; // the new row moves those below it
    selectionChanges.add(sensor);
    // Until the viewer picks, keep showing the first sensors by id, as "Default" would.
    if (!selectionTouched && rank < maxSensorsShown) {
      setShown(sensor, true);
      if (ids.length > maxSensorsShown) setShown(sensors.get(ids[maxSensorsShown]), false);
    }
    return sensor;
  }

  // Returns true when the update will be drawn (its sensor is on the chart).
  function apply(window) {
    const id = window.sensorId;
    let sensor = sensors.get(id);
    if (!sensor) {
      sensor = addSensor(id, window);
    } else if (lastTimestamp(window) < lastTimestamp(sensor.window)) {
      return false; // an older window re-sent around a (re)connect: keep the newer one
    } else {
      sensor.window = window;
    }
    staleValues.add(sensor);
    if (sensor.shown) chartDirty = true;
    // A frame only for something it would write: most updates are of sensors neither drawn nor in reach.
    if (sensor.shown || sensor.inReach || !reachKnown) requestFrame();
    return sensor.shown;
  }

  // A sampled update gets a draw span from its arrival to the paint that shows it. Updates drawn in the same frame
  // get one span each, all ending at that paint: each belongs to its own reading's trace, which must end in its own
  // draw span (a link would leave every trace but one without it).
  function applyTraced(event) {
    const arrivedAt = performance.now();
    const { traceparent, window } = JSON.parse(event.data);
    if (apply(window) && drawTelemetry) {
      const span = drawTelemetry.started(traceparent, window.sensorId, window.points.length, arrivedAt);
      if (span) pendingDraws.push(span);
    }
  }

  function endDrawSpans() {
    if (!drawing.length) return;
    const paintedAt = performance.now();
    for (const span of drawing) drawTelemetry.drawn(span, paintedAt);
    drawing = [];
  }

  function requestFrame() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(renderFrame);
  }

  // The one place the page writes what changed: the limit first (it decides the rows' checkboxes), then every row whose
  // selection changed (few, on the viewer's clicks), the values of rows in reach whose window changed since they were
  // written, the summary, and the chart if a shown sensor changed.
  function renderFrame() {
    frameRequested = false;
    measureReach();
    refreshLimit();
    for (const sensor of selectionChanges) refreshSelection(sensor);
    selectionChanges.clear();
    for (const sensor of staleValues) {
      if (!sensor.inReach) continue;
      refreshValues(sensor);
      staleValues.delete(sensor);
    }
    updateSummary();
    if (chartDirty) {
      chartDirty = false;
      redraw();
    }
  }

  // Rows in reach: those the viewer sees in the table's scrollport or can scroll to at once (within one scrollport's
  // height above or below). Only their values are written as windows arrive: writing a row far out of view costs as
  // much as one in view (the browser lays out and paints the table for it), and at 1,000 sensors nearly all are out
  // of view. The others keep their values stale until they come into reach. Which rows are in reach changes only when
  // the table scrolls, is filtered or resized, or gains a row; those mark it unknown and the next frame measures it.
  let reachKnown = false;

  function reachChanged() {
    reachKnown = false;
    requestFrame();
  }

  // Reads layout before this frame writes anything, so it costs at most one early layout (after rows were added or
  // filtered), never one per row.
  function measureReach() {
    if (reachKnown) return;
    reachKnown = true;
    const { scrollTop, clientHeight } = el.tableScroll;
    const top = scrollTop - clientHeight;
    const bottom = scrollTop + 2 * clientHeight;
    for (const sensor of sensors.values()) {
      const row = sensor.row;
      // offsetTop is from the table's top, the top of the scrollport's content (.table-scroll is positioned).
      // A row the filter hides is out of reach: it is written when the filter shows it again.
      sensor.inReach = !row.hidden && row.offsetTop + row.offsetHeight >= top && row.offsetTop <= bottom;
    }
  }

  // Crossing the limit changes every hidden sensor's checkbox; that happens on a selection change, not per update.
  function refreshLimit() {
    const limit = shownCount >= maxSensorsShown;
    if (limit === atLimit) return;
    atLimit = limit;
    sensors.forEach(refreshBox);
  }

  function updateSummary() {
    setText(el.summary, `${sensors.size} sensor(s), ${shownCount} on the chart (at most ${maxSensorsShown}).`);
    if (el.empty.hidden !== sensors.size > 0) el.empty.hidden = sensors.size > 0;
  }

  function chartSize() {
    return { width: Math.max(300, el.chart.clientWidth), height: 400 };
  }

  function redraw() {
    // The updates applied so far are in this redraw; uPlot's draw hook ends their spans once the canvas is painted.
    drawing.push(...pendingDraws);
    pendingDraws = [];
    const shown = ids.map(id => sensors.get(id)).filter(s => s.shown);
    // uPlot wants one shared x array: join each sensor's (time, value) table, with nulls where a sensor has no point.
    const tables = shown.map(s => [
      s.window.points.map(p => Date.parse(p.timestamp) / 1000),
      s.window.points.map(p => p.value),
    ]);
    const data = tables.length ? uPlot.join(tables) : [[]];
    const key = shown.map(s => s.window.sensorId).join("\u0000");
    if (plot && key === plotSeriesKey) {
      plot.setData(data);
      return;
    }
    if (plot) plot.destroy();
    plotSeriesKey = key;
    plot = new uPlot({
      ...chartSize(),
      scales: {
        x: { time: true },
        // Filled to zero like the tutorial's fill='tozeroy', so the axis always includes 0.
        y: { range: (u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 1) * 1.1)] },
      },
      axes: [{}, { label: "°C" }],
      series: [
        { label: "Time" },
        ...shown.map(s => ({
          label: s.window.sensorId,
          stroke: s.color.stroke,
          fill: s.color.fill,
          width: 2,
          spanGaps: true,
          points: { show: true, size: 6 },
          value: (u, v) => fmt(v),
        })),
      ],
      legend: { live: true },
      hooks: { draw: [endDrawSpans] },
    }, data, el.chart);
  }

  function connect() {
    setConnection("connecting", "Connecting…");
    source = new EventSource("api/windows/stream");
    source.addEventListener("open", () => {
      retryDelay = 1000;
      setConnection("live", "Live");
    });
    source.addEventListener(streamEvent, event => apply(JSON.parse(event.data)));
    source.addEventListener(tracedStreamEvent, applyTraced);
    source.addEventListener("error", () => {
      if (source.readyState === EventSource.CONNECTING) {
        // The browser reconnects by itself (after the server's "retry:" delay) and the stream starts with every window.
        setConnection("reconnecting", "Reconnecting…");
        return;
      }
      // CLOSED: the browser gave up (e.g. an HTTP error); try again ourselves with backoff.
      setConnection("closed", `Disconnected, retrying in ${Math.round(retryDelay / 1000)} s`);
      source.close();
      setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    });
  }

  el.filter.addEventListener("input", () => {
    for (const row of el.rows.children) applyFilter(row);
    reachChanged();
  });
  el.tableScroll.addEventListener("scroll", reachChanged, { passive: true });
  addEventListener("resize", reachChanged);
  el.showDefault.addEventListener("click", () => { selectionTouched = false; showDefault(); });
  el.showNone.addEventListener("click", () => {
    selectionTouched = true;
    sensors.forEach(s => setShown(s, false));
    requestFrame();
  });
  new ResizeObserver(() => { if (plot) plot.setSize(chartSize()); }).observe(el.chart);

  // For tests and the console: what the chart currently draws.
  window.sensorChart = {
    get connection() { return el.connection.dataset.state; },
    series: () => plot ? plot.series.slice(1).map(s => s.label) : [],
    pointCount: id => {
      if (!plot) return 0;
      const index = plot.series.findIndex((s, i) => i > 0 && s.label === id);
      return index < 0 ? 0 : plot.data[index].filter(v => v != null).length;
    },
    get telemetry() { return drawTelemetry !== null; },
  };

  // The OpenTelemetry bundle is fetched only when the server names an endpoint; without one the page sends nothing.
  function startTelemetry(settings) {
    if (!settings || !settings.browserTelemetry) return null;
    return import("./lib/telemetry/draw-telemetry.js")
      .then(module => { drawTelemetry = module.startDrawTelemetry(settings.browserTelemetry); })
      .catch(error => console.warn("Draw telemetry is off:", error));
  }

  fetch("api/settings")
    .then(response => response.ok ? response.json() : null)
    .then(settings => {
      if (settings) maxSensorsShown = settings.maxSensorsShown;
      return startTelemetry(settings);
    })
    .catch(() => { /* keep the default; the stream still works */ })
    .finally(() => { requestFrame(); connect(); });
})();
