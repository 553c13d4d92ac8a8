// The miniredis dashboard: charts fed by server-sent events, the rest read
// from the JSON endpoints under api/. Plain JavaScript, no library.
"use strict";

const $ = (id) => document.getElementById(id);
const POINTS = 120;
const series = { ops: [], memory: [], clients: [], hit_rate: [] };

// ---------------------------------------------------------------- formats

function bytes(n) {
  if (n == null) return "–";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : n) + " " + units[i];
}
function number(n) {
  if (n == null) return "–";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e4) return (n / 1e3).toFixed(1) + "k";
  return String(Math.round(n * 10) / 10);
}
function percent(x) { return x == null ? "–" : (x * 100).toFixed(1) + " %"; }
function duration(s) {
  if (s == null) return "–";
  s = Math.floor(s);
  if (s < 60) return s + "s";
  if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
  if (s < 86400) return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
  return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
}
function ttl(ms) { return ms == null ? "∞" : duration(ms / 1000); }
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}
function typeTag(type) { return el("span", { class: "tag t-" + type }, type); }
async function api(path, options) {
  const reply = await fetch("api/" + path, Object.assign({ cache: "no-store" }, options));
  const data = await reply.json();
  if (!reply.ok) throw new Error(data.error || reply.statusText);
  return data;
}

// ----------------------------------------------------------------- charts

const SVG = "http://www.w3.org/2000/svg";
function svgNode(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function draw(id, values, format) {
  const svg = document.querySelector("#" + id + " svg");
  const width = svg.clientWidth || 300, height = svg.clientHeight || 70;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.replaceChildren();
  const known = values.filter((v) => v != null);
  const top = Math.max(1e-9, ...known) * 1.15;
  const pad = 4;
  for (const f of [0, 0.5, 1]) {
    const y = pad + (height - 2 * pad) * f;
    svg.append(svgNode("line", { class: "grid", x1: 0, x2: width, y1: y, y2: y }));
  }
  const label = svgNode("text", { x: width - 2, y: 11, "text-anchor": "end" });
  label.textContent = format(top / 1.15);
  svg.append(label);
  if (known.length < 2) return;
  // a short history fills the chart; a long one scrolls
  const span = Math.max(30, values.length);
  const step = width / (span - 1);
  const start = span - values.length;
  let line = "";
  values.forEach((v, i) => {
    if (v == null) return;
    const x = (start + i) * step;
    const y = height - pad - (v / top) * (height - 2 * pad);
    line += (line ? " L" : "M") + x.toFixed(1) + " " + y.toFixed(1);
  });
  const firstX = (start + values.findIndex((v) => v != null)) * step;
  const area = line + ` L${width} ${height} L${firstX.toFixed(1)} ${height} Z`;
  svg.append(svgNode("path", { class: "area", d: area }));
  svg.append(svgNode("path", { class: "line", d: line }));
}

function addPoint(point) {
  for (const name of Object.keys(series)) {
    series[name].push(point[name]);
    if (series[name].length > POINTS) series[name].shift();
  }
  $("v-ops").textContent = number(point.ops);
  $("v-memory").textContent = bytes(point.memory);
  $("v-clients").textContent = point.clients;
  $("v-hits").textContent = percent(point.hit_rate);
  document.body.dataset.samples = String(Number(document.body.dataset.samples || 0) + 1);
  redraw();
}

function redraw() {
  draw("chart-ops", series.ops, number);
  draw("chart-memory", series.memory, bytes);
  draw("chart-clients", series.clients, number);
  draw("chart-hits", series.hit_rate.map((v) => (v == null ? null : v * 100)), (v) => v.toFixed(0) + "%");
}

function listen() {
  const source = new EventSource("api/events");
  source.onopen = () => { $("live").className = "live on"; $("live-text").textContent = "live"; };
  source.onerror = () => { $("live").className = "live off"; $("live-text").textContent = "reconnecting"; };
  source.onmessage = (event) => addPoint(JSON.parse(event.data));
}

// --------------------------------------------------------------- overview

function facts(target, rows) {
  const list = $(target);
  list.replaceChildren();
  for (const [name, value, cls] of rows) {
    list.append(el("dt", {}, name), el("dd", cls ? { class: cls } : {}, value));
  }
}

function status(value) { return [value, value === "ok" ? "ok" : "bad"]; }

function showOverview(data) {
  const info = data.info;
  $("facts").replaceChildren(
    el("span", {}, "Redis ", el("b", {}, info.redis_version), " · miniredis ", el("b", {}, info.miniredis_version),
      " · ", info.python_implementation, " ", info.python_version, " · pid ", el("b", {}, info.process_id),
      " · port ", el("b", {}, info.tcp_port), " · up ", el("b", {}, duration(Number(info.uptime_in_seconds))),
      " · ", el("b", {}, number(Number(info.total_commands_processed))), " commands"));
  const saved = Number(info.rdb_last_save_time);
  facts("persistence", [
    ["Snapshot rules", data.config.save || "none"],
    ["Last save", saved ? new Date(saved * 1000).toLocaleString() : "never"],
    ["Changes since last save", number(Number(info.rdb_changes_since_last_save))],
    ["Last BGSAVE"].concat(status(info.rdb_last_bgsave_status)),
    ["BGSAVE running", info.rdb_bgsave_in_progress === "1" ? "yes" : "no"],
    ["Append-only file", info.aof_enabled === "1" ? "on (" + data.config.appendfsync + ")" : "off", info.aof_enabled === "1" ? "ok" : ""],
    ["AOF size", info.aof_current_size ? bytes(Number(info.aof_current_size)) : "–"],
    ["Directory", data.config.dir],
  ]);
  facts("replication", [
    ["Role", info.role],
    ["Replicas", info.connected_slaves],
    ["Replication id", info.master_replid.slice(0, 16) + "…"],
    ["Offset", info.master_repl_offset],
    ["Expired keys", number(Number(info.expired_keys))],
    ["Evicted keys", number(Number(info.evicted_keys))],
    ["Max memory", info.maxmemory_human === "0B" ? "unlimited" : info.maxmemory_human + " (" + info.maxmemory_policy + ")"],
  ]);
  $("slowlog").replaceChildren(data.slowlog.length
    ? el("ul", {}, ...data.slowlog.map((e) => el("li", { class: "mono" },
        new Date(e.time * 1000).toLocaleTimeString() + " " + number(e.usec) + " us " +
        e.command + " (" + (e.client + (e.name ? " " + e.name : "")) + ")")))
    : "No command slower than slowlog-log-slower-than yet.");

  const clients = $("clients").tBodies[0];
  clients.replaceChildren(...data.clients.map((c) => el("tr", {},
    el("td", { class: "num" }, c.id), el("td", { class: "mono" }, c.address || "(local)"),
    el("td", {}, c.name || "–"), el("td", { class: "num" }, c.db),
    el("td", { class: "num" }, duration(c.age)), el("td", { class: "num" }, duration(c.idle)),
    el("td", { class: "mono" }, c.command),
    el("td", {}, c.blocked ? "blocked" : c.subscribed ? "subscribed" : "RESP" + c.proto))));
  $("clients-count").textContent = data.clients.length + " connected";

  const commands = $("commands").tBodies[0];
  commands.replaceChildren(...data.commands.map((c) => el("tr", {},
    el("td", { class: "mono" }, c.name), el("td", { class: "num" }, number(c.calls)),
    el("td", { class: "num" }, c.usec_per_call), el("td", { class: "num" + (c.failed ? " bad" : "") }, c.failed),
    el("td", { class: "num" + (c.rejected ? " bad" : "") }, c.rejected))));

  $("huey-panel").hidden = !data.huey.length;
  $("huey").tBodies[0].replaceChildren(...data.huey.map((q) => el("tr", {},
    el("td", { class: "mono" }, q.name), el("td", { class: "num" }, q.db),
    el("td", { class: "num" }, number(q.pending)), el("td", { class: "num" }, number(q.scheduled)),
    el("td", { class: "num" }, number(q.results)),
    el("td", {}, q.next_run ? new Date(q.next_run * 1000).toLocaleString() : "–"))));

  const select = $("scan-db");
  if (!select.options.length) {
    const count = Math.max(16, ...data.databases.map((d) => d.db + 1));
    for (let i = 0; i < count; i++) select.append(el("option", { value: i }, "db" + i));
  }
  for (const option of select.options) {
    const db = data.databases.find((d) => d.db === Number(option.value));
    option.textContent = "db" + option.value + (db ? " (" + number(db.keys) + ")" : "");
  }
}

async function refresh() {
  try { showOverview(await api("overview")); } catch (e) { console.warn("overview:", e.message); }
}

// --------------------------------------------------------------- keyspace

let scanCursor = 0;
let selected = null;

async function scan(more) {
  const body = $("keys").tBodies[0];
  if (!more) { body.replaceChildren(); scanCursor = 0; }
  const params = new URLSearchParams({
    db: $("scan-db").value || "0", match: $("scan-match").value || "*",
    type: $("scan-type").value, cursor: scanCursor,
  });
  $("scan-status").textContent = "scanning…";
  const page = await api("keys?" + params);
  for (const key of page.keys) {
    const row = el("tr", { "data-id": key.id },
      el("td", { class: "key", title: key.key }, key.key), el("td", {}, typeTag(key.type)),
      el("td", { class: "num" }, number(key.size)), el("td", { class: "num" }, ttl(key.ttl)));
    row.addEventListener("click", () => show(key.id, 0, row));
    body.append(row);
  }
  scanCursor = page.cursor;
  $("scan-more").hidden = scanCursor === 0;
  $("scan-status").textContent = body.rows.length + " keys" + (scanCursor === 0 ? ", scan complete" : ", more to scan");
}

async function show(id, offset, row) {
  if (row) {
    for (const r of $("keys").tBodies[0].rows) r.classList.remove("selected");
    row.classList.add("selected");
  }
  const db = $("scan-db").value || "0";
  const params = new URLSearchParams({ db, id, offset });
  const target = $("detail-body");
  let key;
  try { key = await api("key?" + params); } catch (e) {
    target.className = "empty"; target.textContent = "This key is gone (" + e.message + ").";
    $("delete").hidden = true; return;
  }
  selected = { db, id, key: key.key };
  target.className = "";
  const meta = el("div", { class: "meta" },
    el("span", {}, typeTag(key.type)), el("span", {}, "TTL ", el("b", {}, ttl(key.ttl))),
    el("span", {}, "size ", el("b", {}, number(key.size))), el("span", {}, "database ", el("b", {}, key.db)));
  let content;
  if (key.value !== undefined) {
    content = el("pre", { class: "value" }, key.value);
  } else {
    const headers = { list: ["#", "element"], hash: ["field", "value"], set: ["member"], zset: ["member", "score"] }[key.type];
    const rows = key.items.map((item, i) => {
      const cells = key.type === "list" ? [key.offset + i, item] : Array.isArray(item) ? item : [item];
      return el("tr", {}, ...cells.map((c, j) => el("td", { class: j === 0 && key.type === "list" ? "num" : "key" }, c)));
    });
    content = el("div", { class: "table-wrap" },
      el("table", {}, el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))), el("tbody", {}, ...rows)));
  }
  const shown = key.value !== undefined ? (key.encoding === "typed" ? key.size : Math.min(key.count, key.size - key.offset)) : key.items.length;
  const pager = el("div", { class: "pager" });
  if (key.offset > 0) {
    const back = el("button", { class: "ghost" }, "← Previous");
    back.addEventListener("click", () => show(id, Math.max(0, key.offset - key.count)));
    pager.append(back);
  }
  pager.append(el("span", {}, shown ? `${number(key.offset + 1)}–${number(key.offset + shown)} of ${number(key.size)}` : "empty"));
  if (key.encoding !== "typed" && key.offset + key.count < key.size) {
    const next = el("button", { class: "ghost" }, "Next →");
    next.addEventListener("click", () => show(id, key.offset + key.count));
    pager.append(next);
  }
  target.replaceChildren(el("div", { class: "keyname mono" }, key.key), meta, content, pager);
  $("delete").hidden = false;
}

async function remove() {
  if (!selected) return;
  $("confirm-key").textContent = selected.key;
  const dialog = $("confirm");
  dialog.showModal();
  dialog.addEventListener("close", async function done() {
    dialog.removeEventListener("close", done);
    if (dialog.returnValue !== "ok") return;
    const params = new URLSearchParams({ db: selected.db, id: selected.id });
    await api("delete?" + params, { method: "POST", headers: { "X-Miniredis": "1" } });
    const row = document.querySelector(`#keys tr[data-id="${CSS.escape(selected.id)}"]`);
    if (row) row.remove();
    $("detail-body").className = "empty";
    $("detail-body").textContent = "Deleted " + selected.key + ".";
    $("delete").hidden = true;
    selected = null;
  });
}

// ------------------------------------------------------------------ start

$("scan-form").addEventListener("submit", (event) => { event.preventDefault(); scan(false); });
$("scan-more").addEventListener("click", () => scan(true));
$("scan-db").addEventListener("change", () => scan(false));
$("scan-type").addEventListener("change", () => scan(false));
$("delete").addEventListener("click", remove);
window.addEventListener("resize", redraw);

// A link may say what to show: #db=0&match=user:*&type=hash&key=<base64 id>
const wanted = new URLSearchParams(location.hash.slice(1));
if (wanted.get("match")) $("scan-match").value = wanted.get("match");
if (wanted.get("type")) $("scan-type").value = wanted.get("type");

refresh().then(async () => {
  if (wanted.get("db")) $("scan-db").value = wanted.get("db");
  await scan(false);
  const id = wanted.get("key");
  if (id) {
    const row = document.querySelector(`#keys tr[data-id="${CSS.escape(id)}"]`);
    await show(id, 0, row);
  }
});
setInterval(refresh, 3000);
listen();
redraw();
