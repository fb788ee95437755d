/**
 * The dashboard page's HTML and CSS (its script is src/ui/dashboard/page.ts, bundled on its own by
 * scripts/build.mjs). No framework, nothing fetched from anywhere: the page loads only /app.js and /app.css from
 * the dashboard itself. The HTML carries no data; the script fills it in with textContent only.
 */
import { DASHBOARD_TEXTS } from '../../texts/messages.js';

export function renderDashboardHtml(): string {
  const t = DASHBOARD_TEXTS;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${t.title}</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header class="top">
  <h1>${t.title}</h1>
  <p id="scope" class="muted"></p>
  <p id="connection" class="connection" role="status" aria-live="polite"></p>
</header>
<main>
  <section class="timeline" aria-labelledby="timeline-heading">
    <h2 id="timeline-heading">${t.timelineHeading}</h2>
    <p id="timeline-hint" class="muted"></p>
    <div id="timeline"></div>
    <p id="legend" class="legend"></p>
  </section>
  <div class="columns">
    <section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">${t.sessionsHeading}</h2>
      <div id="repos"></div>
    </section>
    <aside>
      <section aria-labelledby="locks-heading"><h2 id="locks-heading">${t.locksHeading}</h2><ul id="locks" class="plain"></ul></section>
      <section aria-labelledby="handoffs-heading"><h2 id="handoffs-heading">${t.handoffsHeading}</h2><ul id="handoffs" class="plain"></ul></section>
      <section aria-labelledby="latest-heading"><h2 id="latest-heading">${t.latestHeading}</h2><div id="latest"></div></section>
    </aside>
  </div>
</main>
<dialog id="events" aria-labelledby="events-heading">
  <div class="dialog-head"><h2 id="events-heading"></h2><button type="button" id="events-close">${t.close}</button></div>
  <ol id="events-list" class="events"></ol>
</dialog>
</body>
</html>
`;
}

export const DASHBOARD_CSS = `
:root {
  color-scheme: light dark;
  --bg: #fbfbfa; --fg: #1d1f21; --muted: #5b6167; --card: #ffffff; --line: #d5d8dc; --focus: #1a5fd0;
  --working: #17693a; --waiting: #a33a00; --idle: #4b5563; --stale: #8a6d00;
  --edit: #2563c9; --denial: #c0262d; --commit: #17693a; --merge: #6b3fb5; --milestone: #946200; --takeover: #b4009e; --conflict: #c0262d; --lock: #94a3b8; --mark-text: #ffffff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 15px; line-height: 1.4;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15171a; --fg: #e6e6e6; --muted: #a0a7ae; --card: #1f2226; --line: #3a3f45; --focus: #7fb0ff;
    --working: #5fd08a; --waiting: #ffae6b; --idle: #b6bdc6; --stale: #e6c95a;
    --edit: #7aa9ff; --denial: #ff7a7f; --commit: #5fd08a; --merge: #c3a2ff; --milestone: #f2c14e; --takeover: #ff8de9; --conflict: #ff7a7f; --lock: #5b6676; --mark-text: #111418;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
header.top { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: 1.05rem; margin: .25rem 0 .5rem; }
h3 { font-size: .95rem; margin: .75rem 0 .35rem; }
main { padding: .75rem 1.25rem 2rem; max-width: 1500px; }
.muted { color: var(--muted); margin: 0; }
.connection { margin: 0 0 0 auto; font-size: .9rem; }
.columns { display: grid; grid-template-columns: minmax(0, 2fr) minmax(260px, 1fr); gap: 1.25rem; margin-top: 1rem; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } }
.repo h3 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
.sessions { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: .6rem; }
.session { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .6rem .75rem; cursor: pointer; }
.session:hover { border-color: var(--focus); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.session-head { display: flex; gap: .5rem; align-items: baseline; justify-content: space-between; flex-wrap: wrap; }
.branch { font-weight: 600; font-size: 1rem; word-break: break-all; }
.id { font-family: ui-monospace, monospace; font-size: .85rem; color: var(--muted); }
.badges { display: flex; gap: .4rem; flex-wrap: wrap; margin: .3rem 0; }
.badge { border: 1px solid currentColor; border-radius: 999px; padding: 0 .5rem; font-size: .85rem; white-space: nowrap; }
.activity-working { color: var(--working); }
.activity-waiting { color: var(--waiting); font-weight: 700; }
.activity-idle { color: var(--idle); }
.activity-none { color: var(--muted); border-style: dashed; }
.state-stale { color: var(--stale); }
.state-ended { color: var(--muted); }
dl.fields { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .1rem .6rem; margin: .3rem 0 0; font-size: .88rem; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; word-break: break-all; }
ul.plain { list-style: none; padding: 0; margin: 0; }
ul.plain li { padding: .3rem 0; border-bottom: 1px solid var(--line); font-size: .9rem; }
ul.plain li:last-child { border-bottom: none; }
.strong { font-weight: 600; }
.timeline svg { display: block; width: 100%; height: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.timeline .lane-bg { fill: transparent; }
.timeline .lane:nth-child(odd) .lane-bg { fill: color-mix(in srgb, var(--line) 25%, transparent); }
.timeline .lane:focus-visible .lane-bg, .timeline .lane:hover .lane-bg { fill: color-mix(in srgb, var(--focus) 18%, transparent); }
.timeline .lane { cursor: pointer; outline: none; }
.timeline .lane:focus-visible .lane-label { text-decoration: underline; }
.timeline text { fill: var(--fg); font-size: 12px; }
.timeline .tick text { fill: var(--muted); font-size: 11px; }
.timeline .tick line { stroke: var(--line); }
.timeline .bar { fill: var(--lock); opacity: .75; }
.timeline .bar.held { opacity: 1; }
.timeline .collision { stroke: var(--denial); stroke-width: 2; stroke-dasharray: 4 3; }
.timeline .mark circle { stroke: var(--card); stroke-width: 1.5; }
.timeline .mark text { fill: var(--mark-text); font-size: 10px; font-weight: 700; text-anchor: middle; dominant-baseline: central; pointer-events: none; }
.cat-edit { fill: var(--edit); } .cat-denial { fill: var(--denial); } .cat-commit { fill: var(--commit); } .cat-merge { fill: var(--merge); }
.cat-milestone { fill: var(--milestone); } .cat-takeover { fill: var(--takeover); } .cat-conflict { fill: var(--conflict); } .cat-waiting { fill: var(--waiting); }
.legend { font-size: .85rem; color: var(--muted); display: flex; gap: .75rem; flex-wrap: wrap; margin: .4rem 0 0; }
.legend .swatch { display: inline-block; min-width: 1.3em; text-align: center; border-radius: 999px; color: var(--mark-text); font-weight: 700; font-size: .75rem; padding: 0 .25rem; margin-right: .25rem; }
.sw-edit { background: var(--edit); } .sw-denial { background: var(--denial); } .sw-commit { background: var(--commit); } .sw-merge { background: var(--merge); }
.sw-milestone { background: var(--milestone); } .sw-takeover { background: var(--takeover); } .sw-conflict { background: var(--conflict); } .sw-waiting { background: var(--waiting); }
.sw-lock { background: var(--lock); color: var(--fg); }
dialog { width: min(900px, 94vw); max-height: 85vh; border: 1px solid var(--line); border-radius: 10px; background: var(--card); color: var(--fg); padding: 0; }
dialog::backdrop { background: rgb(0 0 0 / .45); }
.dialog-head { display: flex; justify-content: space-between; align-items: center; gap: 1rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); position: sticky; top: 0; background: var(--card); }
button { font: inherit; padding: .25rem .8rem; border-radius: 6px; border: 1px solid var(--line); background: var(--bg); color: var(--fg); cursor: pointer; }
ol.events { list-style: none; margin: 0; padding: .5rem 1rem 1rem; font-size: .9rem; }
ol.events li { display: grid; grid-template-columns: 6.5em 10em minmax(0, 1fr); gap: .5rem; padding: .25rem 0; border-bottom: 1px solid var(--line); }
ol.events .kind { font-family: ui-monospace, monospace; font-size: .82rem; color: var(--muted); }
.latest-group ul li { font-size: .85rem; }
`;
