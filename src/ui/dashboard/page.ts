/**
 * The dashboard page's script, run in the browser (bundled alone by scripts/build.mjs as dist/dashboard-page.js).
 * Reads /api/state once, then follows /api/stream (Server-Sent Events: the whole state after each change of the
 * store). Everything from the store or a model is put in with textContent or SVG attributes, never as markup.
 * Keyboard: every session (card and timeline lane) is focusable; Enter or Space shows its events in a dialog,
 * Escape closes it and focus goes back where it was.
 */
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { DashboardEvent, DashboardSession, DashboardState } from '../../server/dashboardstate.js';
import { DASHBOARD_TEXTS as T } from '../../texts/messages.js';
import { layoutTimeline, MARK_SYMBOLS, type MarkCategory } from './timeline.js';

const SVG = 'http://www.w3.org/2000/svg';
let state: DashboardState | undefined;
/** Server time minus browser time, so ages are right even with a skewed clock. */
let skew = 0;
let openSession: string | undefined;
let returnFocus: string | undefined;

const byId = (id: string) => document.getElementById(id)!;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { class?: string; text?: string; attrs?: Record<string, string> } = {}, children: Node[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.class) node.className = props.class;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

const now = () => Date.now() + skew;

/** 45s, 12m, 3h, 2d: as cwt status says ages. */
function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

const formatTime = (at: number) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const formatClock = (at: number, seconds: boolean) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(seconds ? { second: '2-digit' } : {}) });

function allSessions(): DashboardSession[] {
  return state ? state.repos.flatMap((repo) => repo.sessions) : [];
}

function findSession(id: string | null): DashboardSession | undefined {
  return id === null ? undefined : allSessions().find((session) => session.id === id);
}

function sessionName(id: string | null): string {
  if (id === null) return '—';
  const session = findSession(id);
  return session ? `${session.branch || session.id} (${session.id})` : id;
}

/** The activity badge: an icon and words, the colour only on top. Its age is kept fresh by the ticker. */
function activityBadge(session: DashboardSession): HTMLElement {
  if (session.activity === null || session.activitySince === null) {
    return el('span', { class: 'badge activity activity-none', text: T.noActivity, attrs: { 'data-activity': 'none' } });
  }
  const shown = T.activity[session.activity] ?? { icon: '', label: session.activity };
  const badge = el('span', { class: `badge activity activity-${session.activity}`, attrs: { 'data-activity': session.activity, 'data-since': String(Date.parse(session.activitySince)), 'data-label': `${shown.icon} ${shown.label}` } });
  badge.textContent = `${shown.icon} ${shown.label} ${formatAge(now() - Date.parse(session.activitySince))}`;
  return badge;
}

function field(list: HTMLElement, name: string, value: string): void {
  list.append(el('dt', { text: name }), el('dd', { text: value || T.nothing }));
}

function renderSession(session: DashboardSession): HTMLElement {
  const card = el('li', {
    class: 'session',
    attrs: { tabindex: '0', role: 'button', 'aria-haspopup': 'dialog', 'data-session': session.id, 'aria-description': T.openHint },
  });
  card.append(
    el('div', { class: 'session-head' }, [el('span', { class: 'branch', text: session.branch || T.nothing }), el('span', { class: 'id', text: session.id })]),
    el('div', { class: 'badges' }, [activityBadge(session), el('span', { class: `badge state state-${session.state}`, text: T.state[session.state] ?? session.state })]),
  );
  const fields = el('dl', { class: 'fields' });
  const f = T.fields;
  field(fields, f.worktree, session.worktree);
  field(fields, f.agent, session.kind === 'adopted' ? `${session.agent} (tab)` : session.agent);
  const heartbeat = el('dd', { attrs: { 'data-ago': String(Date.parse(session.heartbeatAt)) }, text: T.ago(formatAge(now() - Date.parse(session.heartbeatAt))) });
  fields.append(el('dt', { text: f.heartbeat }), heartbeat);
  field(fields, f.memory, session.memory);
  const leases = Object.entries(session.leases).map(([name, value]) => `${name}=${value}`).join(' ');
  if (leases) field(fields, f.leases, leases);
  field(fields, f.claims, session.claims.join(', '));
  if (session.tasks.length > 0) field(fields, f.tasks, session.tasks.map((task) => `#${task.id} ${task.title}${task.percent !== null ? ` ${task.percent}%` : ''}`).join('; '));
  if (state && session.host && allSessions().some((other) => other.host !== session.host)) field(fields, f.host, session.host);
  card.append(fields);
  return card;
}

function renderRepos(): void {
  const root = byId('repos');
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.session;
  const focusedLane = (document.activeElement as Element | null)?.getAttribute?.('data-lane');
  root.replaceChildren();
  if (!state || state.repos.length === 0) {
    root.append(el('p', { class: 'muted', text: T.noSessions }));
    return;
  }
  for (const repo of state.repos) {
    const list = el('ul', { class: 'sessions' }, repo.sessions.map(renderSession));
    root.append(el('div', { class: 'repo', attrs: { 'data-repo': repo.key } }, [el('h3', { text: repo.name, attrs: { title: repo.key } }), list]));
  }
  if (focused) (root.querySelector(`[data-session="${CSS.escape(focused)}"]`) as HTMLElement | null)?.focus();
  if (focusedLane) returnFocus = `lane:${focusedLane}`;
}

function renderLocks(): void {
  const list = byId('locks');
  list.replaceChildren();
  if (!state || state.locks.length === 0) {
    list.append(el('li', { class: 'muted', text: T.noLocks }));
    return;
  }
  for (const lock of state.locks) {
    const holder = lock.holderBranch ? `${lock.holderBranch} (${lock.holder})` : lock.holder;
    const item = el('li', { attrs: { 'data-lock': lock.name } }, [
      el('div', { class: 'strong', text: T.lockLine(lock.name, lock.token) }),
      el('div', { text: T.lockHolder(holder, formatAge(now() - lock.acquiredAt)) }),
    ]);
    if (lock.note) item.append(el('div', { class: 'muted', text: lock.note }));
    list.append(item);
  }
}

function renderHandoffs(): void {
  const list = byId('handoffs');
  list.replaceChildren();
  if (!state || state.handoffs.length === 0) {
    list.append(el('li', { class: 'muted', text: T.noHandoffs }));
    return;
  }
  for (const handoff of state.handoffs) {
    const item = el('li', {}, [
      el('div', { class: 'strong', text: `#${handoff.id} ${handoff.summary}` }),
      el('div', { class: 'muted', text: T.handoffFrom(sessionName(handoff.fromSession), handoff.toSession === null ? null : sessionName(handoff.toSession)) }),
    ]);
    if (handoff.nextSteps.length > 0) item.append(el('ul', {}, handoff.nextSteps.map((step) => el('li', { text: step }))));
    list.append(item);
  }
}

function eventLine(event: DashboardEvent): HTMLElement {
  return el('li', { attrs: { 'data-event': String(event.id), 'data-kind': event.kind } }, [
    el('span', { text: formatTime(event.at) }),
    el('span', { class: 'kind', text: event.kind }),
    el('span', { text: event.session === null ? event.text : `${sessionName(event.session)}: ${event.text}` }),
  ]);
}

function renderLatest(): void {
  const root = byId('latest');
  root.replaceChildren();
  if (!state) return;
  for (const [name, events] of Object.entries(state.latest)) {
    const list = el('ul', { class: 'plain' });
    if (events.length === 0) list.append(el('li', { class: 'muted', text: T.none }));
    for (const event of events) {
      list.append(el('li', { attrs: { 'data-event': String(event.id), 'data-kind': event.kind } }, [el('span', { class: 'muted', text: `${formatTime(event.at)} ` }), document.createTextNode(`${sessionName(event.session)}: ${event.text}`)]));
    }
    root.append(el('div', { class: 'latest-group', attrs: { 'data-latest': name } }, [el('h3', { text: T.latest[name] ?? name }), list]));
  }
}

/** The timeline's span: back to the oldest session's start (a little before), at least a minute, at most the server's window. */
function fitWindow(current: DashboardState, sessions: readonly DashboardSession[]): number {
  const oldest = Math.min(current.now, ...sessions.map((session) => Date.parse(session.startedAt)), ...current.events.slice(0, 1).map((event) => event.at));
  const span = (current.now - oldest) * 1.05;
  return Math.min(current.windowMs, Math.max(60_000, span));
}

function renderTimeline(): void {
  const root = byId('timeline');
  if (!state) return;
  const sessions = allSessions();
  // A branch shown twice (two tabs in one checkout) gets its session id beside it.
  const twice = new Set(sessions.map((session) => session.branch).filter((branch, index, all) => all.indexOf(branch) !== index));
  const lanes = sessions.map((session) => ({ id: session.id, label: !session.branch ? session.id : twice.has(session.branch) ? `${session.branch} ${session.id}` : session.branch }));
  const width = Math.max(640, root.clientWidth || 1000);
  const windowMs = fitWindow(state, sessions);
  const layout = layoutTimeline({
    lanes,
    events: state.events,
    locks: state.locks.map((lock) => ({ name: lock.name, session: lock.session, token: lock.token, acquiredAt: lock.acquiredAt })),
    now: state.now,
    windowMs,
    width,
  });
  byId('timeline-hint').textContent = T.timelineHint(formatAge(windowMs));
  const chart = svg('svg', { viewBox: `0 0 ${layout.width} ${Math.max(layout.height, 60)}`, role: 'group', 'aria-labelledby': 'timeline-heading' }) as SVGSVGElement;
  for (const tick of layout.ticks) {
    const g = svg('g', { class: 'tick' });
    g.append(svg('line', { x1: tick.x, x2: tick.x, y1: 16, y2: layout.height }), svg('text', { x: tick.x + 3, y: 12 }, formatClock(tick.at, layout.tickMs < 60_000)));
    chart.append(g);
  }
  for (const lane of layout.lanes) {
    const session = findSession(lane.id);
    const g = svg('g', { class: 'lane', tabindex: 0, role: 'button', 'data-lane': lane.id, 'aria-label': `${lane.label}: ${T.openHint}` });
    g.append(svg('rect', { class: 'lane-bg', x: 0, y: lane.top, width: layout.width, height: lane.height }));
    const label = svg('text', { class: 'lane-label', x: 8, y: lane.y + 4 }, lane.label.length > 22 ? `${lane.label.slice(0, 21)}…` : lane.label);
    g.append(label, svg('title', {}, session ? `${session.branch} (${session.id})` : lane.id));
    for (const bar of layout.bars.filter((b) => b.session === lane.id)) {
      const rect = svg('rect', { class: `bar${bar.held ? ' held' : ''}`, x: bar.x, y: lane.y - 11, width: bar.width, height: 22, rx: 3 });
      rect.append(svg('title', {}, T.lockBar(bar.name, bar.token, bar.held)));
      g.append(rect);
    }
    chart.append(g);
  }
  for (const line of layout.collisions) {
    const l = svg('line', { class: 'collision', x1: line.x1, y1: line.y1, x2: line.x2, y2: line.y2 });
    l.append(svg('title', {}, T.collision(line.path)));
    chart.append(l);
  }
  for (const mark of layout.marks) {
    const g = svg('g', { class: 'mark', 'data-category': mark.category, 'data-event': mark.eventId });
    const circle = svg('circle', { class: `cat-${mark.category}`, cx: mark.x, cy: mark.y, r: 8 });
    g.append(circle, svg('text', { x: mark.x, y: mark.y }, mark.symbol), svg('title', {}, `${T.categories[mark.category] ?? mark.category}: ${mark.label}`));
    g.addEventListener('click', () => showEvents(mark.session));
    chart.append(g);
  }
  root.replaceChildren(chart);
  const legend = byId('legend');
  if (legend.childElementCount === 0) {
    legend.append(el('span', { text: T.legend }));
    for (const [category, symbol] of Object.entries(MARK_SYMBOLS)) {
      legend.append(el('span', {}, [el('span', { class: `swatch sw-${category}`, text: symbol }), document.createTextNode(T.categories[category as MarkCategory] ?? category)]));
    }
    legend.append(el('span', {}, [el('span', { class: 'swatch sw-lock', text: '▬' }), document.createTextNode(T.lockLegend)]));
  }
  if (returnFocus?.startsWith('lane:')) {
    (root.querySelector(`[data-lane="${CSS.escape(returnFocus.slice(5))}"]`) as SVGElement | null)?.focus();
    returnFocus = undefined;
  }
}

function showEvents(sessionId: string): void {
  const dialog = byId('events') as HTMLDialogElement;
  const session = findSession(sessionId);
  openSession = sessionId;
  byId('events-heading').textContent = T.eventsOf(session?.branch || sessionId, sessionId);
  const events = (state?.events ?? []).filter((event) => event.session === sessionId).reverse();
  const list = byId('events-list');
  list.replaceChildren(...(events.length > 0 ? events.map(eventLine) : [el('li', { class: 'muted', text: T.noEvents })]));
  if (!dialog.open) {
    const active = document.activeElement as Element | null;
    returnFocus = active?.getAttribute('data-session') ?? (active?.getAttribute('data-lane') ? `lane:${active.getAttribute('data-lane')}` : undefined);
    dialog.showModal();
  }
}

function render(next: DashboardState): void {
  state = next;
  skew = next.now - Date.now();
  byId('scope').textContent = `${next.scope} · ${next.store.kind}`;
  byId('connection').textContent = `${T.live} · ${T.updated(formatTime(next.now))}`;
  renderRepos();
  renderTimeline();
  renderLocks();
  renderHandoffs();
  renderLatest();
  if (openSession && (byId('events') as HTMLDialogElement).open) showEvents(openSession);
}

/** Ages move every second without a push. */
function tick(): void {
  for (const node of document.querySelectorAll<HTMLElement>('[data-since]')) node.textContent = `${node.dataset.label} ${formatAge(now() - Number(node.dataset.since))}`;
  for (const node of document.querySelectorAll<HTMLElement>('[data-ago]')) node.textContent = T.ago(formatAge(now() - Number(node.dataset.ago)));
}

function start(): void {
  const dialog = byId('events') as HTMLDialogElement;
  byId('events-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => {
    openSession = undefined;
    const target = returnFocus;
    returnFocus = undefined;
    if (target?.startsWith('lane:')) (document.querySelector(`[data-lane="${CSS.escape(target.slice(5))}"]`) as SVGElement | null)?.focus();
    else if (target) (document.querySelector(`[data-session="${CSS.escape(target)}"]`) as HTMLElement | null)?.focus();
  });
  const open = (event: Event) => {
    const target = (event.target as Element).closest('[data-session], [data-lane]');
    const id = target?.getAttribute('data-session') ?? target?.getAttribute('data-lane');
    if (id) showEvents(id);
  };
  document.addEventListener('click', (event) => {
    if ((event.target as Element).closest('dialog')) return;
    open(event);
  });
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' && event.key !== ' ') return;
    const target = event.target as Element;
    if (!target.matches('[data-session], [data-lane]')) return;
    event.preventDefault();
    open(event);
  });
  byId('connection').textContent = T.reconnecting;
  fetch('/api/state', { cache: 'no-store' })
    .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
    .then((next: DashboardState) => render(next))
    .catch(() => {});
  const stream = new EventSource('/api/stream');
  stream.addEventListener('state', (message) => render(JSON.parse((message as MessageEvent<string>).data) as DashboardState));
  // EventSource retries by itself; it gives up only on an answer that is not a stream (a 401 from a dashboard
  // started again, with a new token).
  stream.addEventListener('error', () => (byId('connection').textContent = stream.readyState === EventSource.CLOSED ? T.stopped : T.reconnecting));
  setInterval(tick, 1000);
  let width = window.innerWidth;
  window.addEventListener('resize', () => {
    if (Math.abs(window.innerWidth - width) > 40) {
      width = window.innerWidth;
      renderTimeline();
    }
  });
}

start();
