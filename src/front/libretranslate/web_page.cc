// The page at GET /: translate a text, and watch the server. One self-contained document (no
// external resources, no build step), kept as a raw string so the binary carries it.
// The status plot is drawn from samples the page itself collects by polling GET /status every
// 5 s, so it covers the last hour the page has been open, not the server's past.
#include "front/libretranslate/handlers.h"

namespace nmtd::libretranslate {

const std::string& web_page_html() {
  static const std::string kPage = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nmtd</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 1em;
         color: #222; background: #fafafa; }
  h1 { font-size: 1.3em; margin: 0 0 .6em; }
  h2 { font-size: 1.05em; margin: 1.2em 0 .4em; }
  .row { display: flex; gap: .6em; align-items: center; flex-wrap: wrap; margin: .4em 0; }
  textarea, #result { width: 100%; box-sizing: border-box; min-height: 7em; padding: .5em;
                      font: inherit; border: 1px solid #bbb; border-radius: 4px; background: #fff; }
  #result { white-space: pre-wrap; }
  button { padding: .4em 1.2em; font: inherit; }
  .muted { color: #777; font-size: .9em; }
  .error { color: #b00; }
  table { border-collapse: collapse; font-size: .9em; }
  td, th { padding: .15em .6em; border-bottom: 1px solid #ddd; text-align: left; }
  svg { background: #fff; border: 1px solid #ddd; width: 100%; height: 160px; }
</style>
</head>
<body>
<h1>nmtd — offline translation</h1>

<div class="row">
  <label>From <select id="source"><option value="auto">Auto Detect</option></select></label>
  <label>To <select id="target"></select></label>
  <button id="translate">Translate</button>
  <span id="detected" class="muted"></span>
</div>
<textarea id="q" placeholder="Text to translate"></textarea>
<div id="result" aria-live="polite"></div>
<div id="error" class="error"></div>

<h2>Server</h2>
<div id="summary" class="muted">waiting for /status…</div>
<table id="workers"></table>
<h2>Last hour <span class="muted">(sampled by this page every 5 s while it is open)</span></h2>
<svg id="plot" viewBox="0 0 600 160" preserveAspectRatio="none"></svg>
<div class="muted"><span style="color:#1565c0">■</span> RSS, front and workers (MiB)
  &nbsp; <span style="color:#e65100">■</span> queued texts</div>

<script>
"use strict";
const $ = (id) => document.getElementById(id);

async function getJson(path, init) {
  const res = await fetch(path, init);
  const body = await res.json().catch(() => ({ error: res.status + " " + res.statusText }));
  if (!res.ok || body.error) throw new Error(body.error || res.statusText);
  return body;
}

async function loadLanguages() {
  const [langs, settings] = await Promise.all([getJson("languages"), getJson("frontend/settings")]);
  for (const l of langs) {
    $("source").add(new Option(l.name, l.code));
    $("target").add(new Option(l.name, l.code));
  }
  $("target").value = settings.language.target.code;
  if (!$("target").value && langs.length) $("target").value = langs[0].code;
}

async function translate() {
  $("error").textContent = "";
  $("detected").textContent = "";
  $("translate").disabled = true;
  try {
    const body = await getJson("translate", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ q: $("q").value, source: $("source").value,
                             target: $("target").value, format: "text" }),
    });
    $("result").textContent = body.translatedText;
    const d = body.detectedLanguage;
    if (d) $("detected").textContent = "detected: " + d.language + " (" + d.confidence + "%)";
  } catch (e) {
    $("error").textContent = e.message;
  } finally {
    $("translate").disabled = false;
  }
}

// --- status: poll, keep an hour of samples, draw them ---
const PERIOD_MS = 5000, WINDOW_MS = 3600 * 1000;
const samples = [];  // {t, rssMiB, queue}
const num = (v) => Number(v || 0);  // proto JSON writes 64-bit numbers as strings

function row(cells, tag) {
  const tr = document.createElement("tr");
  for (const c of cells) {
    const td = document.createElement(tag || "td");
    td.textContent = c;
    tr.appendChild(td);
  }
  return tr;
}

function showStatus(s) {
  const workers = s.workers || [];
  let rss = num(s.resources && s.resources.rss_bytes);
  const table = $("workers");
  table.replaceChildren(row(["slot", "pid", "phase", "in flight", "queue", "RSS MiB", "age"], "th"));
  for (const w of workers) {
    const ws = w.status || {};
    const wrss = num(ws.resources && ws.resources.rss_bytes);
    rss += wrss;
    table.appendChild(row([w.slot || 0, w.pid || "", w.phase || "", w.outstanding || 0,
                           ws.queue_depth || 0, (wrss / 1048576).toFixed(0),
                           Math.round(num(w.age_ms) / 60000) + " min"]));
  }
  const restarts = Object.entries(s.restarts_by_reason || {})
      .map(([k, v]) => k + " " + v).join(", ") || "none";
  $("summary").textContent = (s.state || "?") + " · workers ready " + (s.workers_ready || 0) +
      "/" + (s.workers_wanted || workers.length) + " · queue " + (s.queue_depth || 0) +
      " · restarts: " + restarts + " · crash reports " + (s.crash_reports || []).length;
  const now = Date.now();
  samples.push({ t: now, rssMiB: rss / 1048576, queue: num(s.queue_depth) });
  while (samples.length && samples[0].t < now - WINDOW_MS) samples.shift();
  draw(now);
}

function polyline(key, max, color, now) {
  const pts = samples.map((p) => {
    const x = 600 * (1 - (now - p.t) / WINDOW_MS);
    const y = 155 - 145 * (p[key] / max);
    return x.toFixed(1) + "," + y.toFixed(1);
  }).join(" ");
  return '<polyline fill="none" stroke-width="1.5" stroke="' + color + '" points="' + pts + '"/>';
}

function draw(now) {
  const maxRss = Math.max(1, ...samples.map((p) => p.rssMiB));
  const maxQueue = Math.max(1, ...samples.map((p) => p.queue));
  $("plot").innerHTML =
      polyline("rssMiB", maxRss, "#1565c0", now) + polyline("queue", maxQueue, "#e65100", now) +
      '<text x="4" y="14" font-size="11" fill="#1565c0">' + maxRss.toFixed(0) + ' MiB</text>' +
      '<text x="596" y="14" font-size="11" fill="#e65100" text-anchor="end">' + maxQueue +
      ' queued</text>';
}

async function pollStatus() {
  try {
    showStatus(await getJson("status"));
  } catch (e) {
    $("summary").textContent = "status unavailable: " + e.message;
  }
}

$("translate").addEventListener("click", translate);
$("q").addEventListener("keydown", (e) => { if (e.key === "Enter" && e.ctrlKey) translate(); });
// A link may carry what to translate: /#q=Hello&source=en&target=fr fills the form and runs it.
function fromLink() {
  const p = new URLSearchParams(location.hash.slice(1));
  if (p.get("source")) $("source").value = p.get("source");
  if (p.get("target")) $("target").value = p.get("target");
  if (p.get("q")) { $("q").value = p.get("q"); return translate(); }
}
loadLanguages().then(fromLink).catch((e) => { $("error").textContent = "languages: " + e.message; });
pollStatus();
setInterval(pollStatus, PERIOD_MS);
</script>
</body>
</html>
)html";
  return kPage;
}

}  // namespace nmtd::libretranslate
