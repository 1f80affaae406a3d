// SensorAspire live chart: one filled series per sensor over its window, redrawn from the SSE stream.
// Sensor ids are data: they only ever reach the DOM through textContent, never as HTML.
(() => {
  "use strict";

  const streamEvent = "window";
  // A live update whose trace is sampled: { traceparent, window }, the traceparent being the chart's span (docs/chart.md).
  const tracedStreamEvent = "traced-window";
  // Set only when /api/settings says browser telemetry is on: the draw-span recorder from lib/telemetry (loaded on demand).
  let drawTelemetry = null;
  let pendingDraws = []; // spans of updates waiting for the next redraw
  let drawing = []; // spans of updates in the redraw under way, ended by uPlot's draw hook
  const sensors = new Map(); // id -> { window, shown, color, row, cells, inReach }; row and cells once first in reach
  const ids = []; // every sensor id, kept sorted as sensors arrive: the table's row order and "Default"'s order
  let listed = []; // the ids the filter lets through, in the same order: the table's rows, of which the DOM holds those in reach
  let shownCount = 0; // sensors with shown set, counted as they change so no update has to count them all
  let maxSensorsShown = 8;
  let selectionTouched = false; // once the viewer picks sensors, new ones no longer join the chart by themselves
  let plot = null;
  let plotSeriesKey = "";
  // Updates only change state and mark what they touched; one animation frame then writes the DOM and redraws.
  // (Writing the DOM per update made every frame lay out the whole sensor table, at 1,000 updates/s.)
  const selectionChanges = new Set(); // sensors in reach whose checkbox and row style are older than their selection
  const staleValues = new Set(); // sensors in reach whose value cells are older than their window
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
    table: document.getElementById("sensors"),
    head: document.querySelector("#sensors thead"),
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
    label.title = id; // rows have one height (app.css): an id too long for its cell ends in an ellipsis
    name.append(swatch, label);

    const cells = { box, last: valueCell("last"), min: valueCell(), max: valueCell(), mean: valueCell(),
      count: valueCell("points") };
    row.append(pick, name, ...[cells.last, cells.min, cells.max, cells.mean, cells.count].map(value => value.parentNode));
    sensor.row = row;
    sensor.cells = cells;
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

  // Where id goes in a sorted list of ids (binary search), so a new sensor costs O(log n) to place, not a sort.
  function rankIn(list, id) {
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (list[middle] < id) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  function insertSorted(list, id) {
    const rank = rankIn(list, id);
    list.splice(rank, 0, id);
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
    const { window, cells } = sensor;
    const stats = window.stats;
    setText(cells.last, fmt(stats.last));
    setText(cells.min, fmt(stats.min));
    setText(cells.max, fmt(stats.max));
    setText(cells.mean, fmt(stats.mean));
    setText(cells.count, String(window.points.length));
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

  function passesFilter(id) {
    const text = el.filter.value.trim().toLowerCase();
    return text === "" || id.toLowerCase().includes(text);
  }

  // Every change of a sensor's selection goes through here, so shownCount stays exact.
  function setShown(sensor, shown) {
    if (sensor.shown === shown) return;
    sensor.shown = shown;
    shownCount += shown ? 1 : -1;
    if (sensor.inReach) selectionChanges.add(sensor);
    chartDirty = true;
  }

  function showDefault() {
    ids.forEach((id, i) => setShown(sensors.get(id), i < maxSensorsShown));
    requestFrame();
  }

  function addSensor(id, window) {
    const sensor = { window, shown: false, color: colorOf(id), inReach: false };
    sensors.set(id, sensor);
    const rank = insertSorted(ids, id);
    if (passesFilter(id)) {
      insertSorted(listed, id);
      reachKnown = false; // the new row moves those below it
    }
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
    if (sensor.inReach) staleValues.add(sensor);
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

  // The one place the page writes what changed: which rows are in the table (after a scroll, filter, resize or new
  // sensor), the limit (it decides the rows' checkboxes), then every row whose selection changed (few, on the viewer's
  // clicks), the values of rows whose window changed since they were written, the summary, and the chart if a shown
  // sensor changed.
  function renderFrame() {
    frameRequested = false;
    placeRows();
    refreshLimit();
    for (const sensor of selectionChanges) refreshSelection(sensor);
    selectionChanges.clear();
    for (const sensor of staleValues) refreshValues(sensor);
    staleValues.clear();
    updateSummary();
    if (chartDirty) {
      chartDirty = false;
      redraw();
    }
  }

  // The table is virtual: the DOM holds the rows in reach, those the viewer sees in the table's scrollport or can
  // scroll to at once (within one scrollport's height above or below), between two spacer rows that stand for the
  // others. Every row has one height, so a row's place is its rank in listed times that height. A document holding a
  // row for each of 1,000 sensors made the browser's rendering frames take 40-70 ms (docs/chart.md), and an event
  // arriving during one waits for it. Which rows are in reach changes only when the table scrolls, is filtered or
  // resized, or gains a row; those mark it unknown and the next frame places the rows again.
  let reachKnown = false;
  let rowHeight = 0; // measured from a row in the table, once there is one
  let reach = []; // the sensors whose rows are in the table, in order
  const spacerAbove = spacerRow();
  const spacerBelow = spacerRow();
  el.rows.append(spacerAbove, spacerBelow);

  function spacerRow() {
    const row = document.createElement("tr");
    row.className = "spacer";
    row.setAttribute("aria-hidden", "true");
    const cell = document.createElement("td");
    cell.colSpan = 7;
    row.append(cell);
    return row;
  }

  function reachChanged() {
    reachKnown = false;
    requestFrame();
  }

  // Reads layout (scroll position, sizes) before this frame writes anything, then writes only the rows that enter or
  // leave reach: a row that stays is not moved, so a checkbox the viewer has focused keeps its focus while scrolling.
  function placeRows() {
    if (reachKnown) return;
    reachKnown = true;
    const scroll = el.tableScroll;
    // The scrollport as tall as it grows (its max-height): until the rows are placed it is only as tall as they are.
    const clientHeight = Math.max(scroll.clientHeight, parseFloat(getComputedStyle(scroll).maxHeight) || 0);
    const scrollTop = scroll.scrollTop;
    if (reach.length) rowHeight = reach[0].row.offsetHeight;
    const height = rowHeight || 28; // until a row is measured; the next frame corrects it
    const headHeight = el.head.offsetHeight;
    // Where the rows' content starts in view. Clamped: when the filter shrinks the table, the browser clamps its scroll
    // position (and fires a scroll event) only after this frame has written the shorter table, which without the clamp
    // would show no rows for a frame.
    const top = Math.max(0, Math.min(scrollTop - headHeight, listed.length * height - clientHeight));
    const first = Math.max(0, Math.floor((top - clientHeight) / height));
    const end = Math.min(listed.length, Math.ceil((top + 2 * clientHeight) / height));
    const next = [];
    for (let rank = first; rank < end; rank++) next.push(sensors.get(listed[rank]));

    for (const sensor of reach) sensor.inReach = false;
    for (const sensor of next) sensor.inReach = true;
    for (const sensor of reach) if (!sensor.inReach) sensor.row.remove();
    let cursor = spacerAbove.nextSibling;
    next.forEach((sensor, i) => {
      if (!sensor.row) createRow(sensor.window.sensorId, sensor);
      const index = String(first + i + 2); // for assistive technology: 1 is the header row
      if (sensor.row.getAttribute("aria-rowindex") !== index) sensor.row.setAttribute("aria-rowindex", index);
      if (sensor.row === cursor) {
        cursor = cursor.nextSibling;
        return;
      }
      el.rows.insertBefore(sensor.row, cursor);
      // Entering reach: its selection and values were not written while it was out.
      selectionChanges.add(sensor);
      staleValues.add(sensor);
    });
    reach = next;
    el.table.setAttribute("aria-rowcount", String(listed.length + 1));
    spacerAbove.style.height = `${first * height}px`;
    spacerBelow.style.height = `${(listed.length - end) * height}px`;
    if (!rowHeight && reach.length) reachChanged(); // measure the real height in the next frame
  }

  // Crossing the limit changes every hidden sensor's checkbox; that happens on a selection change, not per update.
  function refreshLimit() {
    const limit = shownCount >= maxSensorsShown;
    if (limit === atLimit) return;
    atLimit = limit;
    reach.forEach(refreshBox); // the others are written when they come into reach
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
    listed = ids.filter(passesFilter);
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

  // The OpenTelemetry bundle is fetched only when browser telemetry is on (Chart:BrowserTelemetry); otherwise the page
  // sends nothing. The spans go to the chart's own origin, which forwards them.
  function startTelemetry(settings) {
    if (!settings || settings.browserTelemetry !== true) return null;
    return import("./lib/telemetry/draw-telemetry.js")
      .then(module => { drawTelemetry = module.startDrawTelemetry(); })
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
