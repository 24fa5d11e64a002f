/**
 * MedTandem ECG viewer: zoom and calipers over an inline SVG tracing.
 *
 * Enhances every `<div class="ecg-viewer" data-ecg-viewer>` holding, in `.ecg-canvas`, an SVG drawn
 * by `medtandem.ecg.render.render_svg` (millimetre user units; `data-mm-per-s` and `data-mm-per-mv`
 * on the root; one `<g class="lead" data-lead data-t0 data-x0 data-y0 data-width data-height>` per
 * lead cell), plus a `.ecg-toolbar` (buttons with `data-ecg-action`) and an `aria-live` `.ecg-readout`.
 * Markup: the Django include `ecg/viewer.html`.
 *
 * Zoom: buttons, + / - / 0 keys, Ctrl + wheel; "real size" is 1 CSS mm per paper mm.
 * Calipers ("Compas", key C): drag on the tracing, or click twice; keyboard: arrows move a cursor
 * (1 mm, Shift 5 mm, Alt 0.2 mm), Enter places the first then the second branch, Escape clears.
 * The readout gives the interval in ms and its rate in bpm (60000 / ms), and the amplitude
 * difference in mV, from the SVG's mm and the paper speed and gain.
 *
 * Plain ES module, no dependency, no build step, and nothing a strict CSP forbids: no inline
 * script, no eval, no inline handler (listeners are added here). Texts come from the markup's
 * `data-i18n-*` attributes (translated by Django), with English fallbacks.
 */

const SVG_NS = "http://www.w3.org/2000/svg";
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3, 4, 6, 8];
const CLICK_MM = 0.3; // a pointer press that moves less than this is a click, not a drag

const FALLBACK_TEXTS = {
  zoom: "Zoom: {pct} %",
  calipersOn: "Calipers on: drag on the tracing, or Enter to place each leg and arrows to move it.",
  calipersOff: "Calipers off.",
  first: "First leg: {lead}, {t} s, {v} mV.",
  measure: "{lead}: interval {dt} ms ({rate} bpm), amplitude {dv} mV.",
  cleared: "Measurement cleared.",
};

/** Fill `{name}` placeholders. */
function format(template, values) {
  return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
}

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/**
 * Pure geometry: a caliper measurement between two points in paper mm.
 * @param {{x: number, y: number}} a
 * @param {{x: number, y: number}} b
 * @param {number} mmPerS paper speed
 * @param {number} mmPerMv gain
 * @returns {{dtMs: number, rateBpm: number | null, dvMv: number}}
 */
export function measure(a, b, mmPerS, mmPerMv) {
  const dtMs = (Math.abs(b.x - a.x) / mmPerS) * 1000;
  const dvMv = (a.y - b.y) / mmPerMv; // y grows downwards: B above A is a positive difference
  return { dtMs, rateBpm: dtMs > 0 ? 60000 / dtMs : null, dvMv };
}

export class EcgViewer {
  /** @param {HTMLElement} root the `.ecg-viewer` element */
  constructor(root) {
    this.root = root;
    this.canvas = root.querySelector(".ecg-canvas");
    this.svg = this.canvas ? this.canvas.querySelector("svg") : null;
    if (!this.canvas || !this.svg) throw new Error("ecg-viewer: no .ecg-canvas svg");
    this.toolbar = root.querySelector(".ecg-toolbar");
    this.readout = root.querySelector(".ecg-readout");
    this.zoomLabel = root.querySelector(".ecg-zoom");
    this.calipersButton = root.querySelector('[data-ecg-action="calipers"]');

    const box = this.svg.viewBox.baseVal;
    this.paperWidth = box && box.width ? box.width : 270;
    this.paperHeight = box && box.height ? box.height : 185;
    this.mmPerS = parseFloat(this.svg.dataset.mmPerS) || 25;
    this.mmPerMv = parseFloat(this.svg.dataset.mmPerMv) || 10;
    this.cells = Array.from(this.svg.querySelectorAll("g.lead")).map((g) => ({
      lead: g.dataset.lead || "",
      t0: parseFloat(g.dataset.t0) || 0,
      x0: parseFloat(g.dataset.x0),
      y0: parseFloat(g.dataset.y0),
      width: parseFloat(g.dataset.width),
      height: parseFloat(g.dataset.height),
    }));
    const tops = this.cells.map((c) => c.y0 - c.height / 2);
    const bottoms = this.cells.map((c) => c.y0 + c.height / 2);
    this.paperTop = tops.length ? Math.min(...tops) : 0;
    this.paperBottom = bottoms.length ? Math.max(...bottoms) : this.paperHeight;

    this.texts = { ...FALLBACK_TEXTS };
    for (const key of Object.keys(FALLBACK_TEXTS)) {
      const attribute = "i18n" + key.charAt(0).toUpperCase() + key.slice(1);
      if (root.dataset[attribute]) this.texts[key] = root.dataset[attribute];
    }
    const lang = document.documentElement.lang || "fr";
    this.numbers = {
      int: new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }),
      two: new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: "exceptZero" }),
      time: new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    };

    this.zoomIndex = ZOOMS.indexOf(1);
    this.calipers = false;
    this.a = null; // first leg {x, y} in mm
    this.b = null; // second leg
    this.live = null; // where the second leg would go (keyboard cursor) while only the first is placed
    const first = this.cells[0];
    this.cursor = first ? { x: first.x0 + 10, y: first.y0 } : { x: this.paperWidth / 2, y: this.paperHeight / 2 };
    this.drag = null;

    this.overlay = this.buildOverlay();
    this.svg.appendChild(this.overlay.group);
    this.bind();
    this.applyZoom(null);
    if (this.toolbar) this.toolbar.hidden = false;
    root.dataset.enhanced = "true";
  }

  // ---------------------------------------------------------------- zoom

  get scale() {
    return ZOOMS[this.zoomIndex];
  }

  /**
   * Resize the SVG to the current scale, keeping `anchor` (client px, default the canvas centre)
   * over the same point of the paper.
   */
  applyZoom(anchor) {
    const canvas = this.canvas;
    const rect = canvas.getBoundingClientRect();
    const px = anchor ? anchor.x - rect.left : canvas.clientWidth / 2;
    const py = anchor ? anchor.y - rect.top : canvas.clientHeight / 2;
    const fx = canvas.scrollWidth ? (canvas.scrollLeft + px) / canvas.scrollWidth : 0;
    const fy = canvas.scrollHeight ? (canvas.scrollTop + py) / canvas.scrollHeight : 0;
    this.svg.style.width = `${this.paperWidth * this.scale}mm`;
    this.svg.style.height = `${this.paperHeight * this.scale}mm`;
    canvas.scrollLeft = fx * canvas.scrollWidth - px;
    canvas.scrollTop = fy * canvas.scrollHeight - py;
    if (this.zoomLabel) this.zoomLabel.textContent = format(this.texts.zoom, { pct: Math.round(this.scale * 100) });
  }

  zoom(step, anchor = null) {
    const next = Math.min(ZOOMS.length - 1, Math.max(0, this.zoomIndex + step));
    if (next === this.zoomIndex) return;
    this.zoomIndex = next;
    this.applyZoom(anchor);
  }

  resetZoom() {
    this.zoomIndex = ZOOMS.indexOf(1);
    this.applyZoom(null);
  }

  // ---------------------------------------------------------------- calipers

  setCalipers(on) {
    this.calipers = on;
    this.root.dataset.calipers = on ? "on" : "off";
    if (this.calipersButton) this.calipersButton.setAttribute("aria-pressed", on ? "true" : "false");
    if (!on) {
      this.a = null;
      this.b = null;
      this.live = null;
      this.drag = null;
    }
    this.draw();
    this.say(on ? this.texts.calipersOn : this.texts.calipersOff);
  }

  /** Client px -> paper mm, through the SVG's current transform (zoom, scroll, layout). */
  toPaper(clientX, clientY) {
    const matrix = this.svg.getScreenCTM();
    if (!matrix) return null;
    const point = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
    return { x: point.x, y: point.y };
  }

  cellAt(p) {
    return this.cells.find(
      (c) => p.x >= c.x0 && p.x <= c.x0 + c.width && Math.abs(p.y - c.y0) <= c.height / 2,
    ) || null;
  }

  clamp(p) {
    return {
      x: Math.min(this.paperWidth, Math.max(0, p.x)),
      y: Math.min(this.paperBottom, Math.max(this.paperTop, p.y)),
    };
  }

  place(p) {
    this.live = null;
    if (!this.a || this.b) {
      this.a = p;
      this.b = null;
    } else {
      this.b = p;
    }
    this.cursor = p;
    this.draw();
    this.report();
  }

  clear() {
    const had = this.a || this.b;
    this.a = null;
    this.b = null;
    this.live = null;
    this.draw();
    if (had) this.say(this.texts.cleared);
    return Boolean(had);
  }

  /** The two legs being shown: a finished pair, a drag in progress, or a first leg and the cursor. */
  legs() {
    if (this.drag && this.drag.moved) return [this.drag.start, this.drag.current];
    return [this.a, this.b || this.live].filter(Boolean);
  }

  report() {
    const [start, end] = this.legs();
    if (!start) return;
    if (!end) {
      const cell = this.cellAt(start);
      if (!cell) return;
      const t = cell.t0 + (start.x - cell.x0) / this.mmPerS; // s from the start of the record
      const v = (cell.y0 - start.y) / this.mmPerMv; // mV above the cell's baseline
      this.say(format(this.texts.first, {
        lead: cell.lead,
        t: this.numbers.time.format(t),
        v: this.numbers.two.format(v),
      }));
      return;
    }
    const m = measure(start, end, this.mmPerS, this.mmPerMv);
    const cell = this.cellAt(start) || this.cellAt(end);
    this.say(format(this.texts.measure, {
      lead: cell ? cell.lead : "—",
      dt: this.numbers.int.format(m.dtMs),
      rate: m.rateBpm === null ? "—" : this.numbers.int.format(m.rateBpm),
      dv: this.numbers.two.format(m.dvMv),
    }));
  }

  say(text) {
    if (this.readout) this.readout.textContent = text;
  }

  // ---------------------------------------------------------------- drawing

  buildOverlay() {
    const group = svgElement("g", {
      class: "ecg-calipers", "pointer-events": "none", "aria-hidden": "true", fill: "none",
    });
    const legs = svgElement("path", { class: "caliper-legs", stroke: "#0b4f8a", "stroke-width": 0.3 });
    const levels = svgElement("path", {
      class: "caliper-levels", stroke: "#0b4f8a", "stroke-width": 0.25, "stroke-dasharray": "1 0.6",
    });
    const marks = svgElement("path", {
      class: "caliper-marks", stroke: "#0b4f8a", "stroke-width": 1.2, "stroke-linecap": "round",
    });
    const cursor = svgElement("path", { class: "caliper-cursor", stroke: "#b34700", "stroke-width": 0.3 });
    group.append(levels, legs, marks, cursor);
    return { group, legs, levels, marks, cursor };
  }

  draw() {
    const { legs, levels, marks, cursor } = this.overlay;
    const points = this.legs();
    const top = this.paperTop;
    const bottom = this.paperBottom;
    legs.setAttribute("d", points.map((p) => `M${p.x.toFixed(2)} ${top}V${bottom}`).join(""));
    marks.setAttribute("d", points.map((p) => `M${p.x.toFixed(2)} ${p.y.toFixed(2)}h0`).join(""));
    if (points.length === 2) {
      const left = Math.min(points[0].x, points[1].x) - 3;
      const right = Math.max(points[0].x, points[1].x) + 3;
      levels.setAttribute(
        "d", points.map((p) => `M${left.toFixed(2)} ${p.y.toFixed(2)}H${right.toFixed(2)}`).join(""),
      );
    } else {
      levels.setAttribute("d", "");
    }
    const showCursor = this.calipers && this.keyboardActive;
    const c = this.cursor;
    cursor.setAttribute(
      "d",
      showCursor
        ? `M${(c.x - 3).toFixed(2)} ${c.y.toFixed(2)}h6M${c.x.toFixed(2)} ${(c.y - 3).toFixed(2)}v6`
        : "",
    );
  }

  /** Scroll the canvas so that the keyboard cursor stays visible. */
  revealCursor() {
    const matrix = this.svg.getScreenCTM();
    if (!matrix) return;
    const p = new DOMPoint(this.cursor.x, this.cursor.y).matrixTransform(matrix);
    const rect = this.canvas.getBoundingClientRect();
    const margin = 24;
    if (p.x < rect.left + margin) this.canvas.scrollLeft -= rect.left + margin - p.x;
    if (p.x > rect.right - margin) this.canvas.scrollLeft += p.x - (rect.right - margin);
    if (p.y < rect.top + margin) this.canvas.scrollTop -= rect.top + margin - p.y;
    if (p.y > rect.bottom - margin) this.canvas.scrollTop += p.y - (rect.bottom - margin);
  }

  // ---------------------------------------------------------------- events

  bind() {
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("[data-ecg-action]");
      if (!button || !this.root.contains(button)) return;
      const action = button.dataset.ecgAction;
      if (action === "zoom-in") this.zoom(1);
      else if (action === "zoom-out") this.zoom(-1);
      else if (action === "zoom-reset") this.resetZoom();
      else if (action === "calipers") this.setCalipers(!this.calipers);
    });

    this.root.addEventListener("keydown", (event) => this.onKey(event));

    this.canvas.addEventListener("wheel", (event) => {
      if (!event.ctrlKey) return;
      event.preventDefault();
      this.zoom(event.deltaY < 0 ? 1 : -1, { x: event.clientX, y: event.clientY });
    }, { passive: false });

    this.canvas.addEventListener("focus", () => {
      this.keyboardActive = this.canvas.matches(":focus-visible");
      this.draw();
    });
    this.canvas.addEventListener("blur", () => {
      this.keyboardActive = false;
      this.draw();
    });

    this.svg.addEventListener("pointerdown", (event) => {
      if (!this.calipers || event.button !== 0) return;
      const p = this.toPaper(event.clientX, event.clientY);
      if (!p) return;
      event.preventDefault();
      this.canvas.focus({ preventScroll: true });
      this.keyboardActive = false;
      this.svg.setPointerCapture(event.pointerId);
      this.drag = { id: event.pointerId, start: this.clamp(p), current: this.clamp(p), moved: false };
    });
    this.svg.addEventListener("pointermove", (event) => {
      if (!this.drag || event.pointerId !== this.drag.id) return;
      const p = this.toPaper(event.clientX, event.clientY);
      if (!p) return;
      this.drag.current = this.clamp(p);
      const dx = this.drag.current.x - this.drag.start.x;
      const dy = this.drag.current.y - this.drag.start.y;
      if (Math.hypot(dx, dy) >= CLICK_MM) this.drag.moved = true;
      if (this.drag.moved) {
        if (this.readout) this.readout.setAttribute("aria-busy", "true"); // announce the result only
        this.draw();
        this.report();
      }
    });
    const finish = (event) => {
      const drag = this.drag;
      if (!drag || event.pointerId !== drag.id) return;
      this.drag = null;
      if (this.readout) this.readout.removeAttribute("aria-busy");
      if (event.type === "pointercancel") {
        this.draw();
        return;
      }
      if (drag.moved) {
        this.a = drag.start;
        this.b = drag.current;
        this.live = null;
        this.cursor = drag.current;
        this.draw();
        this.report();
      } else {
        this.place(drag.start); // a click: first leg, then second leg
      }
    };
    this.svg.addEventListener("pointerup", finish);
    this.svg.addEventListener("pointercancel", finish);
  }

  onKey(event) {
    if (event.altKey && !event.key.startsWith("Arrow")) return;
    if (event.ctrlKey || event.metaKey) return;
    const onButton = event.target instanceof HTMLElement && event.target.closest("button");
    const key = event.key;
    if (key === "+" || key === "=") {
      this.zoom(1);
    } else if (key === "-" || key === "_" || key === "−") {
      this.zoom(-1);
    } else if (key === "0") {
      this.resetZoom();
    } else if (key === "c" || key === "C") {
      this.setCalipers(!this.calipers);
    } else if (key === "Escape") {
      if (!this.clear() && this.calipers) this.setCalipers(false);
      else if (!this.calipers) return;
    } else if (this.calipers && !onButton && event.target === this.canvas) {
      const step = event.shiftKey ? 5 : event.altKey ? 0.2 : 1;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (key in moves) {
        const [dx, dy] = moves[key];
        this.keyboardActive = true;
        this.cursor = this.clamp({ x: this.cursor.x + dx, y: this.cursor.y + dy });
        if (this.a && !this.b) {
          this.live = this.cursor; // live measurement while the second leg is moved into place
          this.draw();
          this.report();
        } else {
          this.draw();
        }
        this.revealCursor();
      } else if (key === "Enter" || key === " ") {
        this.keyboardActive = true;
        this.place({ ...this.cursor });
      } else {
        return;
      }
    } else {
      return;
    }
    event.preventDefault();
  }
}

/** Enhance every viewer under `scope` once; returns the viewers created. */
export function enhanceAll(scope = document) {
  const viewers = [];
  for (const root of scope.querySelectorAll("[data-ecg-viewer]")) {
    if (root.dataset.enhanced === "true") continue;
    try {
      viewers.push(new EcgViewer(root));
    } catch (error) {
      console.error(error); // leave the static tracing as it is
    }
  }
  return viewers;
}

enhanceAll();
// Fragments swapped in by htmx carry their own viewers.
document.addEventListener("htmx:afterSettle", (event) => enhanceAll(event.target));
