// ipatlas map page: a lookup box with a result card, a Hilbert-curve map
// of the IPv4 space, and a crawl's live progress. Everything comes from
// this server: /ip/{addr} for lookups, /map/v4.json for the map's cells
// (coloured by the server, package mapimg), /map/progress and /healthz.
// The page lays cells along the same curve as package hilbert; records
// are shown with textContent only, as registries' data is not ours.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const CELL_BYTES = 9; // see serve/mapdata.go
  const STATES = ["unregistered", "registered", "special-purpose or reserved"];

  const state = {
    view: "0.0.0.0/0",
    color: "registry",
    at: "", // a snapshot id; "" for the latest
    data: null, // the map answer
    cells: null, // its cells, decoded
    stamp: "", // the index served, from /healthz
    mark: -1, // the cell of the address looked up, or -1
    hover: -1,
    query: "",
  };

  // The Hilbert curve, as in package hilbert: position d to cell (x, y)
  // and back, the first position at the top left, the last at the top right.
  function rotate(n, x, y, rx, ry) {
    if (ry !== 0) return [x, y];
    if (rx === 1) {
      x = n - 1 - x;
      y = n - 1 - y;
    }
    return [y, x];
  }

  function d2xy(side, d) {
    let x = 0;
    let y = 0;
    for (let s = 1; s < side; s *= 2) {
      const rx = 1 & (d >>> 1);
      const ry = 1 & (d ^ rx);
      [x, y] = rotate(s, x, y, rx, ry);
      x += s * rx;
      y += s * ry;
      d >>>= 2;
    }
    return [x, y];
  }

  function xy2d(side, x, y) {
    let d = 0;
    for (let s = side >> 1; s > 0; s >>= 1) {
      const rx = (x & s) > 0 ? 1 : 0;
      const ry = (y & s) > 0 ? 1 : 0;
      d += s * s * ((3 * rx) ^ ry);
      [x, y] = rotate(side, x, y, rx, ry);
    }
    return d;
  }

  // IPv4 addresses as numbers.
  function ipNum(s) {
    const p = s.split(".").map(Number);
    return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
  }

  function numIP(n) {
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  }

  function isIPv4(s) {
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) && s.split(".").every((o) => Number(o) <= 255);
  }

  function viewOf(prefix) {
    const [a, bits] = prefix.split("/");
    return { base: ipNum(a), bits: Number(bits) };
  }

  // The block of cell d of the map shown: its first address and length.
  function blockOf(d) {
    const v = viewOf(state.data.view);
    const size = 2 ** (32 - state.data.cell_bits);
    return { first: v.base + d * size, last: v.base + d * size + size - 1, bits: state.data.cell_bits };
  }

  function cellOf(addr) {
    if (!state.data || !isIPv4(addr)) return -1;
    const v = viewOf(state.data.view);
    const n = ipNum(addr);
    const size = 2 ** (32 - state.data.cell_bits);
    const d = Math.floor((n - v.base) / size);
    return d >= 0 && d < state.data.side * state.data.side ? d : -1;
  }

  function cell(d) {
    const c = state.cells;
    const o = d * CELL_BYTES;
    return {
      rgb: [c[o], c[o + 1], c[o + 2]],
      reg: c[o + 3],
      state: c[o + 4],
      coverage: (c[o + 5] | (c[o + 6] << 8)) / 100,
      country: c[o + 7] | (c[o + 8] << 8),
    };
  }

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    Object.assign(e, props || {});
    for (const c of children) e.append(c);
    return e;
  }

  async function getJSON(url) {
    const res = await fetch(url, { headers: { Accept: "application/json" } });
    const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
    if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
    return body;
  }

  // The map.

  async function loadMap() {
    $("mapstatus").textContent = `Loading ${state.view}…`;
    const q = new URLSearchParams({ view: state.view, color: state.color });
    if (state.at) q.set("at", state.at);
    try {
      state.data = await getJSON(`/map/v4.json?${q}`);
    } catch (err) {
      $("mapstatus").textContent = `No map: ${err.message}`;
      $("map").dataset.error = err.message;
      $("nomap").textContent = err.message.charAt(0).toUpperCase() + err.message.slice(1) + ".";
      $("nomap").hidden = false;
      return;
    }
    $("nomap").hidden = true;
    delete $("map").dataset.error;
    const raw = atob(state.data.cells);
    state.cells = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) state.cells[i] = raw.charCodeAt(i);
    state.view = state.data.view;
    if (state.at) state.at = String(state.data.snapshot.id); // ?at= may be a datetime
    draw();
    showLegend();
    showCrumbs();
    showSnapshots();
    state.mark = cellOf(state.query);
    drawOverlay();
    saveURL();
    markPlace();
  }

  // markPlace records where the map is on the page, once the toolbar
  // around it is filled in: what a test reading a screenshot needs.
  function markPlace() {
    const r = $("map").getBoundingClientRect();
    $("map").dataset.rect = [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height].map(Math.round).join(",");
  }

  function draw() {
    const side = state.data.side;
    const canvas = $("map");
    canvas.width = side;
    canvas.height = side;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(side, side);
    let registered = 0;
    for (let d = 0; d < side * side; d++) {
      const [x, y] = d2xy(side, d);
      const o = d * CELL_BYTES;
      const p = (y * side + x) * 4;
      img.data[p] = state.cells[o];
      img.data[p + 1] = state.cells[o + 1];
      img.data[p + 2] = state.cells[o + 2];
      img.data[p + 3] = 255;
      if (state.cells[o + 4] === 1) registered++;
    }
    ctx.putImageData(img, 0, 0);
    Object.assign(canvas.dataset, {
      view: state.data.view,
      color: state.data.color,
      snapshot: String(state.data.snapshot.id),
      cells: String(side * side),
      registered: String(registered),
    });
    const snap = state.data.snapshot;
    $("mapstatus").textContent =
      `Snapshot ${snap.id} (${snap.datetime}) · ${state.data.view}, one /${state.data.cell_bits} per pixel · ` +
      `${registered.toLocaleString("en")} of ${(side * side).toLocaleString("en")} blocks registered`;
  }

  function showLegend() {
    const ul = $("legend");
    ul.replaceChildren();
    for (const item of state.data.legend) {
      const sw = el("span", { className: "swatch" });
      sw.style.background = item.color;
      ul.append(el("li", {}, sw, item.label));
    }
  }

  function showCrumbs() {
    const nav = $("crumbs");
    nav.replaceChildren();
    const v = viewOf(state.data.view);
    const levels = [0, 8, 16].filter((b) => b < v.bits);
    levels.push(v.bits);
    levels.forEach((bits, i) => {
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      const prefix = `${numIP((v.base & mask) >>> 0)}/${bits}`;
      const b = el("button", { type: "button", textContent: bits === 0 ? "IPv4" : prefix });
      if (bits === v.bits) b.setAttribute("aria-current", "page");
      b.addEventListener("click", () => {
        state.view = prefix;
        loadMap();
      });
      if (i > 0) nav.append(el("span", { textContent: "›" }));
      nav.append(b);
    });
  }

  function showSnapshots() {
    const sel = $("snapshot");
    sel.replaceChildren(el("option", { value: "", textContent: "latest" }));
    for (const s of [...state.data.snapshots].reverse()) {
      sel.append(el("option", { value: String(s.id), textContent: `${s.id}: ${s.datetime}` }));
    }
    sel.value = state.at;
  }

  // The overlay: the cell under the pointer, the square a click zooms
  // into, and the address looked up.
  function drawOverlay() {
    const canvas = $("overlay");
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!state.data) return;
    const side = state.data.side;
    const px = canvas.width / side;
    const box = (d, cells, colour, width) => {
      const [x, y] = d2xy(side, d);
      const x0 = Math.floor(x / cells) * cells;
      const y0 = Math.floor(y / cells) * cells;
      ctx.strokeStyle = colour;
      ctx.lineWidth = width;
      ctx.strokeRect(x0 * px - width / 2, y0 * px - width / 2, cells * px + width, cells * px + width);
    };
    if (state.hover >= 0) {
      if (state.data.cell_bits < 32) box(state.hover, 16, "rgba(255,255,255,0.45)", 1);
      box(state.hover, 1, "#ffffff", 2);
    }
    if (state.mark >= 0) {
      const [x, y] = d2xy(side, state.mark);
      ctx.beginPath();
      ctx.arc((x + 0.5) * px, (y + 0.5) * px, Math.max(10, px), 0, 2 * Math.PI);
      ctx.strokeStyle = "#56b4e9";
      ctx.lineWidth = 3;
      ctx.stroke();
      box(state.mark, 1, "#ffffff", 1);
    }
  }

  function specialName(first, last) {
    for (const s of state.data.specials) {
      const v = viewOf(s.prefix);
      const end = v.base + 2 ** (32 - v.bits) - 1;
      if (v.base <= last && first <= end) return `${s.name} (${s.prefix})`;
    }
    return "reserved by IANA";
  }

  function describe(d) {
    const c = cell(d);
    const b = blockOf(d);
    const reg = state.data.registries[c.reg] || "no registry";
    const lines = [el("b", { textContent: `${numIP(b.first)}/${b.bits}` })];
    const line = (text, cls) => lines.push(el("br"), el("span", { className: cls || "", textContent: text }));
    if (c.state === 2) {
      line(`special-purpose: ${specialName(b.first, b.last)}`);
    } else if (c.state === 0) {
      line(`unregistered · IANA lists ${reg}`);
    } else {
      line(`${reg} · ${c.coverage.toFixed(c.coverage < 10 ? 2 : 1)}% covered by networks`);
      const country = state.data.countries[c.country];
      if (country) line(`country: ${country}`);
    }
    if (state.data.cell_bits < 32) {
      const zoomBits = viewOf(state.data.view).bits + 8;
      const mask = (~0 << (32 - zoomBits)) >>> 0;
      line(`click: zoom to ${numIP((b.first & mask) >>> 0)}/${zoomBits}, look up ${numIP(b.first)}`, "muted");
    } else {
      line(`click: look up ${numIP(b.first)}`, "muted");
    }
    return lines;
  }

  function cellAtPointer(e) {
    const r = $("overlay").getBoundingClientRect();
    const side = state.data.side;
    const x = Math.floor(((e.clientX - r.left) * side) / r.width);
    const y = Math.floor(((e.clientY - r.top) * side) / r.height);
    if (x < 0 || y < 0 || x >= side || y >= side) return -1;
    return xy2d(side, x, y);
  }

  function onHover(e) {
    if (!state.data) return;
    const d = cellAtPointer(e);
    const tip = $("tip");
    state.hover = d;
    drawOverlay();
    if (d < 0) {
      tip.hidden = true;
      return;
    }
    tip.replaceChildren(...describe(d));
    tip.hidden = false;
    const stage = $("stage").getBoundingClientRect();
    const x = e.clientX - stage.left + 14;
    const y = e.clientY - stage.top + 14;
    tip.style.left = `${Math.min(x, stage.width - tip.offsetWidth - 4)}px`;
    tip.style.top = `${Math.min(y, stage.height - tip.offsetHeight - 4)}px`;
  }

  function onLeave() {
    state.hover = -1;
    $("tip").hidden = true;
    drawOverlay();
  }

  function onClick(e) {
    if (!state.data) return;
    const d = cellAtPointer(e);
    if (d < 0) return;
    const b = blockOf(d);
    lookup(numIP(b.first));
    const bits = viewOf(state.data.view).bits;
    if (state.data.cell_bits < 32) {
      const mask = (~0 << (32 - (bits + 8))) >>> 0;
      state.view = `${numIP((b.first & mask) >>> 0)}/${bits + 8}`;
      loadMap();
    }
  }

  // Lookups.

  function snapshotDatetime() {
    if (!state.at || !state.data) return "";
    const s = state.data.snapshots.find((x) => String(x.id) === state.at);
    return s ? s.datetime : "";
  }

  async function lookup(addr) {
    addr = addr.trim();
    if (!addr) return;
    state.query = addr;
    $("q").value = addr;
    const card = $("card");
    card.hidden = false;
    card.dataset.state = "loading";
    card.replaceChildren(el("h2", { textContent: addr }), el("p", { textContent: "Looking up…" }));
    const path = /^[0-9a-fA-F:.]+$/.test(addr) ? addr : encodeURIComponent(addr);
    const dt = snapshotDatetime();
    try {
      const rec = await getJSON(`/ip/${path}` + (dt ? `?datetime=${encodeURIComponent(dt)}` : ""));
      showRecord(addr, rec);
    } catch (err) {
      card.dataset.state = "error";
      card.replaceChildren(el("h2", { textContent: addr }), el("p", { className: "error", textContent: err.message }));
    }
    state.mark = cellOf(addr);
    drawOverlay();
    saveURL();
  }

  // holder is the network's holder: Whip's org field, else the contact
  // of the entity with the registrant role, looked for in nested ones too.
  function holder(rec) {
    if (typeof rec.org === "string" && rec.org) return rec.org;
    const find = (ents) => {
      for (const e of ents || []) {
        const c = e.contact || {};
        if ((e.roles || []).includes("registrant") && (c.org || c.name)) return c.org || c.name;
      }
      for (const e of ents || []) {
        const h = find(e.entities);
        if (h) return h;
      }
      return "";
    };
    return find(rec.entities);
  }

  function eventDate(rec, action) {
    const e = (rec.events || []).find((x) => x.action === action);
    return e && e.date ? String(e.date).slice(0, 10) : "";
  }

  const REGISTRIES = { afrinic: "AFRINIC", apnic: "APNIC", arin: "ARIN", lacnic: "LACNIC", ripencc: "RIPE NCC" };

  function text(v) {
    if (v === undefined || v === null || v === "") return "";
    return Array.isArray(v) ? v.join(", ") : String(v);
  }

  function showRecord(addr, rec) {
    const card = $("card");
    const found = Boolean(rec.begin);
    Object.assign(card.dataset, {
      state: "done",
      addr,
      found: String(found),
      begin: rec.begin || "",
      end: rec.end || "",
      handle: text(rec.handle),
      registry: text(rec.registry),
      parents: String((rec.parents || []).length),
    });
    if (!found) {
      card.replaceChildren(el("h2", { textContent: addr }), el("p", { textContent: "No network holds this address in the snapshot." }));
      return;
    }
    const rows = [
      ["Network", text(rec.name) || "—"],
      ["Handle", text(rec.handle)],
      ["Range", `${rec.begin} – ${rec.end}`],
      ["Registry", REGISTRIES[rec.registry] || text(rec.registry)],
      ["Country", text(rec.country)],
      ["Holder", holder(rec)],
      ["Type", text(rec.type)],
      ["Status", text(rec.status)],
      ["Registered", eventDate(rec, "registration")],
      ["Last changed", eventDate(rec, "last changed")],
      ["Origin AS", text(rec.origin_as || rec.asn)],
      ["Seen since", text(rec.datetime)],
    ];
    const dl = el("dl");
    for (const [k, v] of rows) {
      if (v) dl.append(el("dt", { textContent: k }), el("dd", { textContent: v, id: `card-${k.toLowerCase().replace(/ /g, "-")}` }));
    }
    if (rec.parents && rec.parents.length) {
      const ol = el("ol");
      for (const p of rec.parents) {
        const label = [text(p.name), text(p.handle)].filter(Boolean).join(" · ");
        ol.append(el("li", { textContent: `${label} (${p.begin} – ${p.end})` }));
      }
      dl.append(el("dt", { textContent: "Inside" }), el("dd", {}, ol));
    }
    const raw = el("details", {}, el("summary", { textContent: "the record as JSON" }), el("pre", { textContent: JSON.stringify(rec, null, 2) }));
    card.replaceChildren(el("h2", { textContent: addr }), dl, raw);
  }

  // Progress of a crawl, and a new snapshot when one is served.

  async function poll() {
    try {
      showProgress(await getJSON("/map/progress"));
    } catch (err) {
      $("progress").dataset.error = err.message;
    }
    try {
      const h = await getJSON("/healthz");
      if (state.stamp && h.index_stamp !== state.stamp && !state.at) loadMap();
      state.stamp = h.index_stamp;
    } catch (err) {
      // The server is restarting, or gone: the next poll tries again.
    }
  }

  function showProgress(p) {
    const box = $("progress");
    box.dataset.crawling = String(p.crawling);
    box.dataset.run = String(p.run || "");
    if (!p.crawling) {
      box.hidden = true;
      return;
    }
    const rows = [el("h2", { textContent: `Crawling: run ${p.run}, since ${p.started}` })];
    for (const r of p.registries || []) {
      const fill = el("div");
      fill.style.width = `${Math.min(100, r.ipv4_percent)}%`;
      fill.style.background = r.color;
      const row = el(
        "div",
        { className: "reg" },
        el("strong", { textContent: r.title }),
        ` IPv4 ${r.ipv4_percent.toFixed(1)}% · IPv6 ${r.ipv6_percent.toFixed(1)}%`,
        el("div", { className: "bar" }, fill),
        el("small", {
          textContent: `units ${r.units_done}/${r.units} · ${r.networks.toLocaleString("en")} networks · ${r.queries.toLocaleString("en")} queries · ${r.throttled} throttled · ${r.failures} failures`,
        }),
      );
      row.dataset.registry = r.registry;
      rows.push(row);
    }
    box.replaceChildren(...rows);
    box.hidden = false;
  }

  function saveURL() {
    const q = new URLSearchParams();
    if (state.query) q.set("q", state.query);
    if (state.view !== "0.0.0.0/0") q.set("view", state.view);
    if (state.color !== "registry") q.set("color", state.color);
    if (state.at) q.set("at", state.at);
    const s = q.toString();
    history.replaceState(null, "", s ? `?${s}` : location.pathname);
  }

  function start() {
    const q = new URLSearchParams(location.search);
    state.view = q.get("view") || state.view;
    state.color = q.get("color") || state.color;
    state.at = q.get("at") || "";
    $("color").value = state.color;
    $("color").addEventListener("change", (e) => {
      state.color = e.target.value;
      loadMap();
    });
    $("snapshot").addEventListener("change", (e) => {
      state.at = e.target.value;
      loadMap();
      if (state.query) lookup(state.query);
    });
    $("lookup").addEventListener("submit", (e) => {
      e.preventDefault();
      lookup($("q").value);
    });
    const overlay = $("overlay");
    overlay.addEventListener("mousemove", onHover);
    overlay.addEventListener("mouseleave", onLeave);
    overlay.addEventListener("click", onClick);
    window.addEventListener("resize", markPlace);
    loadMap().then(() => {
      if (q.get("q")) lookup(q.get("q"));
    });
    poll();
    setInterval(poll, 3000);
  }

  start();
})();
