// Browser tests of the staff console (/admin/) in headless Chromium, each
// person with a virtual WebAuthn authenticator of their own (Chrome
// DevTools Protocol), against the real `infocentre serve` on a fresh data
// directory:
//   - the first owner opens the invitation `serve` prints, creates a
//     passkey, signs out and signs in again with it; the session cookie's
//     flags; a cross-origin form POST and fetch (from a page on another
//     port) are refused with 403 and the session survives;
//   - the newsroom scenario (issue 13): the owner visits the
//     administration screens (sites, settings, API keys, audit logs, files)
//     and invites a second person (a publisher) and a viewer from the
//     People screen, each of whom creates a passkey in a browser of their
//     own; the owner turns on the two-person rule (review_required, through
//     the staff API with the owner key), writes a Markdown draft due in 4
//     minutes, previews it (rendered, script dropped, focus on the
//     preview), gets the missing title reported in an error summary linked
//     to the field, saves it, merges a stale save from another tab
//     (keeping theirs), requests review and creates a preview link that
//     shows the draft; the second person finds the draft among those
//     awaiting review, cannot schedule it before approving, approves it and
//     schedules it; the viewer sees no edit or workflow controls and three
//     POSTs forged from the viewer's session (save, withdraw, create) are
//     refused with 403; the publisher loop releases the entry and the
//     public site shows it; the owner corrects it with a public note, which
//     the public page shows (and the changes page the changed line), and
//     withdraws it, which the public page shows with the reason; the
//     correction is held under the two-person rule (the public page keeps
//     the old text), the second person requests changes, the owner amends
//     it, the second person approves it and the owner publishes it; an
//     owner force-publishes an unapproved draft with a reason (in the audit
//     log); the owner ends the viewer's sessions (the viewer is signed out)
//     and signs out everywhere (another tab is signed out); the session
//     cookie lives no longer than the 12-hour absolute lifetime;
//   - every console page reached is axe-clean at 375 and 1280 px and does
//     not scroll sideways, with a screenshot of each in ARTIFACTS/console
//     (and of the public page at each stage).
//
// Origin and cookies: the server listens on 127.0.0.1 and serves the
// console on http://localhost:PORT (passkeys need a host name). Browsers
// allow neither Secure nor "__Host-" cookies over plain http, so this run
// checks what an http localhost origin gets — "infocentre_session",
// HttpOnly, SameSite=Lax, not Secure, Path=/, host-only — and that no
// "__Host-" cookie is set; the https variant (Secure,
// "__Host-infocentre_session") is checked by the Go tests of
// internal/console.
//
// Usage: node console.mjs   (run .ci/setup-browser.sh first)
// Environment: CHROMIUM (default /usr/bin/chromium), ARTIFACTS (default
// <repo>/test-artifacts/browser).
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const artifacts = join(process.env.ARTIFACTS || join(repo, 'test-artifacts', 'browser'), 'console');
mkdirSync(artifacts, { recursive: true });
const widths = [375, 1280];
const site = 'demo';

const failures = [];
const fail = (msg) => { failures.push(msg); console.error('FAIL ' + msg); };
const check = (ok, msg) => { if (!ok) fail(msg); return ok; };
const steps = [];
const step = (name) => { steps.push(name); console.log(`step: ${name}`); };
// must stops the run: later steps depend on this one.
const must = (ok, msg) => { if (!ok) throw new Error(msg); };

// The CLI, built once, and a fresh data directory.
const work = mkdtempSync(join(tmpdir(), 'infocentre-console-e2e-'));
const bin = join(work, 'infocentre');
const dataDir = join(work, 'data');
execFileSync('go', ['build', '-o', bin, './cmd/infocentre'], { cwd: repo, stdio: 'inherit' });
const env = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR || tmpdir(),
  INFOCENTRE_OWNER_EMAIL: 'owner@example.org', LOG_LEVEL: 'warn' };

// freePort returns a loopback port nothing listens on.
function freePort() {
  const srv = createServer();
  return new Promise((ok) => srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => ok(port)); }));
}

// serve runs `infocentre serve` on the data directory at port and resolves
// once it listens, with what it printed on stdout. stop() ends it and
// resolves when it has exited (the embedded store is then free).
function serve(port, { first = false } = {}) {
  const child = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`, '--data', dataDir, '--publish-interval', '1s'],
    { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  const exited = new Promise((ok) => child.on('exit', ok));
  return new Promise((ok, failStart) => {
    let out = '';
    const timer = setTimeout(() => failStart(new Error(`server did not start: ${out}${log}`)), 120000);
    exited.then((code) => failStart(new Error(`server exited with ${code}: ${log}`)));
    child.stdout.on('data', (d) => {
      out += d;
      if (!/^infocentre serving on /m.test(out) || (first && !/^console: /m.test(out))) return;
      clearTimeout(timer);
      ok({ out, log: () => log, stop: () => { child.kill('SIGTERM'); return exited; } });
    });
  });
}

// startForeign serves a page on another origin (another port of
// localhost: the same site for SameSite, so the session cookie travels,
// but not the same origin) with a form that posts to target.
function startForeign(target) {
  const srv = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><title>Another origin</title>
<form method="post" action="${target}"><button type="submit">Post to the console</button></form></html>`);
  });
  return new Promise((ok) => srv.listen(0, '127.0.0.1', () => ok({ url: `http://localhost:${srv.address().port}/`, close: () => srv.close() })));
}

const summary = [];

// expectRefused removes from errors the browser's report of the refusals
// a test provoked on purpose (status 403, or the status given, from url),
// and fails on any other.
function expectRefused(errors, url, status = 403) {
  const other = errors.splice(0).filter((e) => !(e.url === url && e.text.includes(`status of ${status}`)));
  if (other.length) fail(`console errors: ${other.map((e) => `${e.text} (${e.url})`).join(' | ')}`);
}

// audit runs axe at each width on the person's page as it is, checks the
// language, sideways scrolling and console errors, and saves a screenshot.
async function audit(who, name) {
  const { page } = who;
  for (const width of widths) {
    const label = `${name}@${width}`;
    await page.setViewportSize({ width, height: 900 });
    await page.evaluate(axeSource);
    const result = await page.evaluate(() => axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    }));
    for (const v of result.violations) {
      fail(`${label}: axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    }
    const lang = await page.evaluate(() => document.documentElement.lang);
    check(lang, `${label}: no lang on <html>`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) {
      // Name the widest elements, outermost first, to say what to fix.
      const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !el.parentElement.closest('.scroll') &&
          (el.parentElement === document.body || el.getBoundingClientRect().right > el.parentElement.getBoundingClientRect().right + 1))
        .slice(0, 3).map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className ? '.' + [...el.classList].join('.') : ''}`));
      fail(`${label}: scrolls sideways by ${overflow}px (too wide: ${wide.join(', ')})`);
    }
    await page.screenshot({ path: join(artifacts, `${label}.png`), fullPage: true });
    summary.push({ page: label, path: new URL(page.url()).pathname.replace(/\/invite\/[^/]+/, '/invite/…'),
      violations: result.violations.length, passes: result.passes.length, incomplete: result.incomplete.length });
  }
  if (who.errors.length) fail(`${name}: console errors: ${who.errors.splice(0).map((e) => `${e.text} (${e.url})`).join(' | ')}`);
}

// newPerson opens a browser context with a virtual platform authenticator
// of its own (resident keys, user verification that succeeds).
async function newPerson(browser, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  // Console errors (CSP violations included), but not the browser's own
  // favicon request (the console has none; /favicon.ico is the public
  // site's 404).
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url?.endsWith('/favicon.ico')) errors.push({ text: m.text(), url: m.location().url });
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });
  const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  return { name, context, page, errors, credentials };
}

// sessionCookie returns the console's session cookie in context, if any,
// and any "__Host-" cookie.
async function sessionCookie(context, origin) {
  const all = await context.cookies(origin);
  return { session: all.find((c) => c.name === 'infocentre_session'), hostPrefixed: all.filter((c) => c.name.startsWith('__Host-')) };
}

const path = (page) => new URL(page.url()).pathname;

// ceremony clicks a passkey button and waits until the page it leads to
// (any console page but the one it started on) has loaded.
async function ceremony(page, name) {
  const from = path(page);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== from && u.pathname.startsWith('/admin/'), { timeout: 20000, waitUntil: 'load' }),
    page.getByRole('button', { name }).click(),
  ]).catch(async (e) => {
    const status = await page.locator('.status').textContent().catch(() => '');
    throw new Error(`${name}: ${e.message}; status shown: ${status}`);
  });
}

// submit clicks a submit button and waits for the page the POST leads to.
async function submit(page, name, scope = page) {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), scope.getByRole('button', { name, exact: true }).click()]);
}

// localTime formats an instant as a datetime-local value in zone.
function localTime(date, zone) {
  const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', year: 'numeric',
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' })
    .formatToParts(date).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
}

// signIn opens an invitation in the person's browser, creates their
// passkey and returns where it led.
async function acceptInvitation(who, link, auditName) {
  const resp = await who.page.goto(link);
  must(resp.status() === 200, `${who.name}: invitation status ${resp.status()}`);
  if (auditName) await audit(who, auditName);
  await ceremony(who.page, 'Create a passkey');
  const creds = await who.credentials();
  check(creds.length === 1 && creds[0].isResidentCredential, `${who.name}: authenticator holds ${creds.length} credentials, want one resident passkey`);
  return creds;
}

const port = await freePort();
const origin = `http://localhost:${port}`;
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let server;
let foreign;
try {
  // The first start seeds the demo site, issues the owner key and prints
  // the owner's invitation.
  server = await serve(port, { first: true });
  const invite = server.out.match(/^console: (\S+)$/m)[1];
  const ownerKey = server.out.match(/^owner key: (\S+)$/m)[1];
  must(new URL(invite).origin === origin, `invitation link ${invite}: want ${origin} (passkeys need a host name, not 127.0.0.1)`);

  // ------------------------------------------------ passkeys and sessions
  const owner = await newPerson(browser, 'owner');
  const { page } = owner;
  step('open the owner invitation');
  let resp = await page.goto(invite);
  check(resp.status() === 200, `invitation: status ${resp.status()}`);
  check(resp.headers()['cache-control'] === 'no-store', `invitation: Cache-Control ${resp.headers()['cache-control']}`);
  check(resp.headers()['referrer-policy'] === 'no-referrer', 'invitation: the token-bearing page must send no Referer');
  await audit(owner, 'invite');
  step('create a passkey');
  await ceremony(page, 'Create a passkey');
  const creds = await owner.credentials();
  check(creds.length === 1 && creds[0].isResidentCredential, `authenticator holds ${creds.length} credentials, want one resident passkey`);
  await audit(owner, 'home');
  const accountPath = '/admin/account';
  await page.goto(origin + accountPath);
  check((await page.textContent('main')).includes('First owner'), `${accountPath}: does not name the signed-in owner`);
  await audit(owner, 'account');

  step('check the session cookie flags');
  let { session, hostPrefixed } = await sessionCookie(owner.context, origin);
  if (check(session, 'no infocentre_session cookie after registration')) {
    check(session.httpOnly, 'session cookie is not HttpOnly');
    check(session.sameSite === 'Lax', `session cookie SameSite=${session.sameSite}, want Lax`);
    check(session.path === '/', `session cookie Path=${session.path}`);
    check(session.domain === 'localhost', `session cookie domain ${session.domain}, want host-only localhost`);
    check(!session.secure, 'session cookie marked Secure on an http origin (the browser would drop it)');
    check(session.expires > Date.now() / 1000, 'session cookie has no lifetime');
    // Session expiry: the cookie lives no longer than the session's
    // absolute lifetime (12 hours; the idle and absolute expiry of the
    // server-side session are tested in Go on both stores).
    check(session.expires <= Date.now() / 1000 + 12 * 3600 + 60, `session cookie lives until ${new Date(session.expires * 1000).toISOString()}, past the 12-hour absolute lifetime`);
  }
  check(hostPrefixed.length === 0, `__Host- cookies on an http origin: ${hostPrefixed.map((c) => c.name)}`);
  check(!(await page.evaluate(() => document.cookie)).includes('infocentre_session'), 'the session cookie is readable from script');
  resp = await page.request.get(invite, { maxRedirects: 0 });
  check(resp.status() >= 400, `used invitation: status ${resp.status()}, want a refusal`);

  // A page on another origin (same site, so the Lax cookie is sent)
  // submits a form to the console's sign-out, then fetches "sign out
  // everywhere": both refused, and the session survives.
  step('cross-origin POST refused');
  foreign = await startForeign(origin + '/admin/logout');
  await page.goto(foreign.url);
  const [posted] = await Promise.all([
    page.waitForResponse((r) => r.url() === origin + '/admin/logout'),
    page.getByRole('button', { name: 'Post to the console' }).click(),
  ]);
  check(posted.status() === 403, `cross-origin POST /admin/logout: status ${posted.status()}, want 403`);
  const sent = await posted.request().allHeaders();
  check(sent.cookie?.includes('infocentre_session='), 'the cross-origin POST carried no session cookie: the test proves nothing');
  check(sent.origin === foreign.url.replace(/\/$/, ''), `the cross-origin POST came from ${sent.origin}`);
  await page.waitForLoadState('load');
  expectRefused(owner.errors, origin + '/admin/logout');
  check(/cross-origin/.test(await page.textContent('main')), 'the refusal page does not say why');
  await audit(owner, 'cross-origin-refused');
  await page.goto(foreign.url);
  const [fetched, scripted] = await Promise.all([
    page.waitForResponse((r) => r.url() === origin + '/admin/logout/everywhere'),
    page.evaluate((u) => fetch(u, { method: 'POST', mode: 'no-cors', credentials: 'include' }).then(() => 'sent', (e) => String(e)), origin + '/admin/logout/everywhere'),
  ]);
  check(scripted === 'sent' && fetched.status() === 403, `no-cors fetch from another origin: ${scripted}, status ${fetched.status()}, want 403`);
  expectRefused(owner.errors, origin + '/admin/logout/everywhere');
  await page.goto(origin + accountPath);
  must(path(page) === accountPath, `after the refused cross-origin POSTs the session is gone (at ${page.url()})`);

  step('sign out');
  await submit(page, 'Sign out');
  check(path(page) === '/admin/login', `sign-out leads to ${page.url()}`);
  ({ session } = await sessionCookie(owner.context, origin));
  check(!session, 'the session cookie outlives sign-out');
  await page.goto(origin + '/admin/');
  check(path(page) === '/admin/login', `signed out, /admin/ shows ${page.url()}`);
  await audit(owner, 'login');
  step('sign in with the passkey');
  await ceremony(page, 'Sign in with a passkey');
  const after = await owner.credentials();
  check(after.length === 1 && after[0].signCount > creds[0].signCount, `sign count ${creds[0].signCount} -> ${after[0]?.signCount}: the passkey was not used`);
  ({ session } = await sessionCookie(owner.context, origin));
  check(session && session.httpOnly && session.sameSite === 'Lax', 'no HttpOnly SameSite=Lax session after sign-in');
  await page.goto(origin + accountPath);
  check((await page.textContent('main')).includes('First owner'), 'after passkey sign-in: not signed in as the owner');

  // The administration screens an owner reaches.
  step('visit the administration screens');
  for (const [name, p] of [['sites', '/admin/sites'], ['settings', `/admin/sites/${site}/settings`], ['keys', `/admin/sites/${site}/keys`],
    ['audit', `/admin/sites/${site}/audit`], ['owners-audit', '/admin/audit'], ['files', `/admin/sites/${site}/files`]]) {
    resp = await page.goto(origin + p);
    check(resp.status() === 200, `${p}: status ${resp.status()}`);
    await audit(owner, name);
  }

  // ------------------------------------------------------ the newsroom
  const base = `${origin}/admin/sites/${site}`;
  const slug = 'shelter-north-open';
  const title = 'Emergency shelter open in the north district';
  const publicURL = `${origin}/sites/${site}/en/${slug}`;

  // The owner invites a second person and a viewer from the People screen;
  // each link is shown once.
  step('invite a second person and a viewer');
  const inviteFrom = async (email, name, role) => {
    await page.goto(`${base}/people`);
    await page.fill('#email', email);
    await page.fill('#name', name);
    await page.selectOption('#role', role);
    await submit(page, 'Invite');
    const link = await page.inputValue('#invite-url').catch(() => '');
    must(link.startsWith(origin + '/admin/invite/'), `inviting ${email}: link ${link}`);
    return link;
  };
  await page.goto(`${base}/people`);
  await audit(owner, 'people');
  const invitePublisher = await inviteFrom('publisher@example.org', 'Second Person', 'publisher');
  await audit(owner, 'people-invited');
  const inviteViewer = await inviteFrom('viewer@example.org', 'Viewer Person', 'viewer');

  // The second person: their own browser and passkey.
  step('second person signs in with their own passkey');
  const second = await newPerson(browser, 'publisher');
  await acceptInvitation(second, invitePublisher, 'invite-publisher');
  step('viewer signs in with their own passkey');
  const viewer = await newPerson(browser, 'viewer');
  await acceptInvitation(viewer, inviteViewer);

  // The two-person rule on the demo site, through the staff API with the
  // owner key `serve` printed: publishing now needs another publisher's
  // approval.
  step('turn on the two-person rule');
  const api = `http://127.0.0.1:${port}/api/v1/admin/sites/${site}`;
  const auth = { Authorization: `Bearer ${ownerKey}` };
  let r = await fetch(api, { headers: auth });
  must(r.ok, `GET ${api}: ${r.status}`);
  r = await fetch(api, { method: 'PATCH', headers: { ...auth, 'Content-Type': 'application/json', 'If-Match': r.headers.get('etag') },
    body: JSON.stringify({ review_required: true }) });
  must(r.ok && (await r.json()).review_required === true, `PATCH review_required: ${r.status}`);

  step('write a Markdown draft');
  resp = await page.goto(`${base}/`);
  must(resp.status() === 200, `dashboard: status ${resp.status()}`);
  await audit(owner, 'dashboard');
  await page.goto(`${base}/entries`);
  await audit(owner, 'entries');
  resp = await page.goto(`${base}/entries/new`);
  must(resp.status() === 200, `new entry: status ${resp.status()}`);
  await audit(owner, 'editor-new');
  const zone = (await page.textContent('#f-publish-at-hint')).match(/In (\S+?)\./)[1];
  await page.fill('#f-summary', 'The sports hall on Rue du Nord takes in 200 people from tonight.');
  await page.fill('#f-body', '## Where\n\nThe **sports hall**, Rue du Nord 12.\n\n<script>alert(1)</script>\n\n- bring *medicines* and documents\n- pets are welcome\n');
  await page.selectOption('#f-type', 'news');
  await page.fill('#f-slug', slug);
  await page.fill('#f-tags', 'shelter');
  step('preview the draft');
  await submit(page, 'Preview');
  const rendered = page.locator('.preview .rendered');
  check(await rendered.locator('h2', { hasText: 'Where' }).count() === 1 && await rendered.locator('strong', { hasText: 'sports hall' }).count() === 1 &&
    await rendered.locator('li').count() === 2, `preview does not render the Markdown: ${await rendered.innerHTML().catch(() => 'no preview')}`);
  check(await rendered.locator('script').count() === 0, 'the preview keeps a script');
  check(await page.evaluate(() => document.activeElement?.id) === 'preview-title', 'the focus is not on the preview');
  check(await page.inputValue('#f-slug') === slug, 'the preview lost what was typed');
  await audit(owner, 'editor-preview');
  // Saved without a title: the error summary links to the field.
  step('a missing title is reported beside the field');
  await submit(page, 'Save draft');
  check(await page.locator('.error-summary a[href="#f-title"]').count() === 1, 'no error summary linking to the title');
  check(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')), 'the focus is not on the error summary');
  expectRefused(owner.errors, `${base}/entries`, 400);
  await audit(owner, 'editor-errors');
  await page.locator('.error-summary a[href="#f-title"]').click();
  check(await page.evaluate(() => document.activeElement?.id) === 'f-title', 'the error link does not lead to the title field');
  await page.fill('#f-title', title);
  // Due 4 minutes from now, in the site's time zone, so that the second
  // person schedules (not publishes) it even on a slow machine; the
  // viewer's checks run while it waits.
  const publishAt = new Date(Date.now() + 240000);
  await page.fill('#f-publish-at', localTime(publishAt, zone));
  await submit(page, 'Save draft');
  must(/\/entries\/[^/]+$/.test(path(page)), `saving the draft leads to ${page.url()}`);
  const entryURL = origin + path(page);
  check(/draft/.test(await page.textContent('.meta')), 'the saved entry is not a draft');
  await audit(owner, 'entry-draft');
  check((await page.request.get(publicURL)).status() === 404, 'a draft is public');

  // Someone saves in another tab first: the stale save shows what they
  // changed and keeps the input; the person keeps theirs.
  step('a stale save is merged, not lost');
  const other = await owner.context.newPage();
  await other.goto(entryURL);
  await other.fill('#f-summary', 'Saved first, in another tab.');
  await submit(other, 'Save changes');
  await other.close();
  await page.fill('#f-summary', 'The sports hall on Rue du Nord takes in 200 people from tonight.');
  resp = (await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save changes', exact: true }).click()]))[0];
  check(resp.status() === 409 && await page.getByRole('heading', { name: 'Someone else saved this entry first' }).isVisible(), `stale save: status ${resp.status()}`);
  expectRefused(owner.errors, entryURL, 409);
  await audit(owner, 'entry-conflict');
  await page.getByLabel('Keep yours').check();
  await submit(page, 'Save changes');
  check(await page.inputValue('#f-summary') === 'The sports hall on Rue du Nord takes in 200 people from tonight.', 'the merge did not keep the chosen value');

  step('request review');
  await page.fill('#f-note', 'Please check the address.');
  await submit(page, 'Request review');
  check(/Review requested/.test(await page.textContent('main')), 'no note of the review request');
  await audit(owner, 'entry-review-requested');
  step('create a preview link');
  await submit(page, 'Create a preview link');
  const link = await page.inputValue('#preview-url');
  check(link.startsWith(origin + '/preview/'), `preview link ${link}: want an absolute URL on ${origin}`);
  const previewed = await (await browser.newContext()).newPage();
  resp = await previewed.goto(link);
  check(resp.status() === 200 && (await previewed.textContent('main')).includes('Rue du Nord 12'), `the preview link shows ${resp.status()}`);
  await previewed.context().close();
  await audit(owner, 'entry-preview-link');

  await second.page.goto(`${base}/`);
  const waiting = second.page.locator('section[aria-labelledby="h-review"]').getByRole('link', { name: title });
  must(await waiting.count() === 1, 'the draft is not among the drafts awaiting review on the second person\'s dashboard');
  await audit(second, 'dashboard-publisher');
  await Promise.all([second.page.waitForNavigation(), waiting.click()]);
  check(await second.page.getByRole('button', { name: /^Publish at / }).count() === 0, 'the entry may be scheduled before anyone approved it');
  await audit(second, 'entry-second-person');

  step('approve as the second person');
  await submit(second.page, 'Approve');
  check(/Approved by (you|Second Person)/.test(await second.page.textContent('main')), `no sign of the approval: ${await second.page.textContent('.note').catch(() => '')}`);
  await audit(second, 'entry-approved');

  step('schedule');
  const schedule = second.page.getByRole('button', { name: /^Publish at / });
  must(await schedule.count() === 1, 'no "Publish at …" button');
  await Promise.all([second.page.waitForNavigation(), schedule.click()]);
  check(/scheduled/.test(await second.page.textContent('.meta')), `after scheduling the entry is ${await second.page.textContent('.meta')}`);
  await audit(second, 'entry-scheduled');
  check((await second.page.request.get(publicURL)).status() === 404, 'a scheduled entry is public before its time');

  // A viewer: no edit or workflow controls, and a POST forged from the
  // viewer's own session (same origin, so only the role can refuse it).
  step('viewer sees no edit controls');
  await viewer.page.goto(entryURL);
  check(await viewer.page.locator('#editor-form').count() === 0, 'the viewer gets the editor');
  check(await viewer.page.locator('.workflow form').count() === 0, 'the viewer gets workflow actions');
  check(await viewer.page.getByRole('link', { name: 'New entry' }).count() === 0, 'the viewer gets a "New entry" link');
  await audit(viewer, 'entry-viewer');
  step('forged POST from the viewer gets 403');
  const version = (await viewer.page.textContent('.meta')).match(/version (\d+)/)[1];
  const forged = await viewer.page.evaluate(async ({ entryURL, version }) => {
    const out = [];
    for (const [url, fields] of [[entryURL, { version, op: 'save', title: 'Forged', body: 'Forged', change: 'minor' }],
      [entryURL + '/withdraw', { version, reason: 'Forged' }],
      [entryURL.replace(/\/[^/]+$/, ''), { op: 'save', title: 'Forged', type: 'news', lang: 'en', body: 'Forged' }]]) {
      const r = await fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
      out.push(r.status);
    }
    return out;
  }, { entryURL, version });
  check(forged.every((s) => s === 403), `forged POSTs from the viewer: ${forged}, want 403`);
  const refused = new Set([entryURL, entryURL + '/withdraw', entryURL.replace(/\/[^/]+$/, '')]);
  const unexpected = viewer.errors.splice(0).filter((e) => !(refused.has(e.url) && e.text.includes('status of 403')));
  check(unexpected.length === 0, `console errors: ${unexpected.map((e) => `${e.text} (${e.url})`).join(' | ')}`);
  await viewer.page.reload();
  check(await viewer.page.getByRole('heading', { level: 1, name: title }).count() === 1, 'the forged POST changed the entry');

  step('see it published on the public site');
  let pub;
  const until = Math.max(publishAt.getTime() + 45000, Date.now() + 15000);
  while (Date.now() < until) {
    await new Promise((ok) => setTimeout(ok, 1000));
    pub = await second.page.request.get(publicURL);
    if (pub.status() === 200) break;
  }
  must(pub?.status() === 200, `the public page ${publicURL}: status ${pub?.status()} after the publish time`);
  // The public page as a visitor sees it: a fresh browser context each
  // time (public pages may be cached), with a screenshot.
  const visit = async (shot) => {
    const visitor = await browser.newContext();
    const p = await visitor.newPage();
    await p.goto(publicURL);
    const text = await p.textContent('main');
    const heading = await p.getByRole('heading', { level: 1, name: title }).count();
    const bold = await p.locator('main strong', { hasText: 'sports hall' }).count();
    if (shot) await p.screenshot({ path: join(artifacts, `${shot}.png`), fullPage: true });
    await visitor.close();
    return { text, heading, bold };
  };
  const shown = await visit('public-published');
  check(shown.heading === 1 && shown.bold === 1, 'the public page does not show the entry with its Markdown rendered');

  // Under the two-person rule a change to the public entry is held: the
  // public page keeps the published text until another publisher approves
  // the change and it is published.
  step('correct it with a public note');
  await page.goto(entryURL);
  check(/published/.test(await page.textContent('.meta')), `the owner sees the entry ${await page.textContent('.meta')}`);
  await page.fill('#f-body', '## Where\n\nThe **sports hall**, Rue du Nord 14.\n\n- bring *medicines* and documents\n- pets are welcome\n');
  await page.check('#f-change');
  await page.fill('#f-change-note', 'The address is number 14.');
  await submit(page, 'Save changes');
  check(/saved/.test(await page.locator('.done').textContent().catch(() => '')), `saving the correction: ${await page.locator('.error-summary').textContent().catch(() => 'no message')}`);
  check(await page.locator('#held-change').count() === 1, 'the correction is not shown as held for approval');
  check(await page.inputValue('#f-body').then((v) => v.includes('Rue du Nord 14')), 'the editor does not show the held correction');
  await audit(owner, 'entry-held');
  check(!(await visit()).text.includes('Rue du Nord 14'), 'the public page shows the correction before anyone approved it');

  step('request changes');
  await second.page.goto(entryURL);
  await second.page.fill('#f-changes-note', 'Say that the number changed.');
  await submit(second.page, 'Request changes');
  check(/Changes requested by (you|Second Person)/.test(await second.page.textContent('main')), 'no note of the request for changes');
  await audit(second, 'entry-changes-requested');
  await page.goto(entryURL);
  check((await page.textContent('main')).includes('Say that the number changed.'), 'the author does not see the request for changes');
  await page.fill('#f-change-note', 'The address is number 14, not 12.');
  await submit(page, 'Save changes');
  check(await page.locator('#held-change').count() === 1, 'the amended correction is not held');

  step('approve the correction and publish it');
  await second.page.goto(entryURL);
  await submit(second.page, 'Approve');
  await page.goto(entryURL);
  await submit(page, 'Publish the change');
  check(/published/.test(await page.locator('.done').textContent().catch(() => '')) && await page.locator('#held-change').count() === 0,
    `publishing the held correction: ${await page.locator('.error-summary').textContent().catch(() => 'no message')}`);
  await audit(owner, 'entry-corrected');
  // The revisions: what the correction changed.
  await Promise.all([page.waitForNavigation(), page.getByRole('link', { name: /^Changes in version/ }).first().click()]);
  check(await page.locator('ins', { hasText: 'Rue du Nord 14' }).count() > 0 && await page.locator('del', { hasText: 'Rue du Nord 12' }).count() > 0,
    'the changes page does not show the corrected line');
  await audit(owner, 'diff');
  const corrected = (await visit('public-corrected')).text;
  check(corrected.includes('Rue du Nord 14') && corrected.includes('The address is number 14, not 12.'),
    'the public page does not show the correction and its note');

  step('withdraw it');
  await page.goto(entryURL);
  await page.fill('#f-reason', 'The shelter is full; see the new list of shelters.');
  await submit(page, 'Withdraw');
  check(/withdrawn/.test(await page.textContent('.meta')), `after withdrawing the entry is ${await page.textContent('.meta')}`);
  await audit(owner, 'entry-withdrawn');
  check((await visit('public-withdrawn')).text.includes('The shelter is full'), 'the public page does not show the withdrawal and its reason');

  // An owner may publish without the approval the rule asks for, with a
  // reason that the audit log keeps.
  step('force-publish as an owner');
  const urgentSlug = 'evacuate-the-quay';
  await page.goto(`${base}/entries/new`);
  await page.fill('#f-title', 'Evacuate the quay now');
  await page.fill('#f-slug', urgentSlug);
  await submit(page, 'Save draft');
  check(await page.getByRole('button', { name: 'Publish now', exact: true }).count() === 0, 'an unapproved draft offers "Publish now"');
  await page.fill('#f-force-reason', 'Storm surge: no second publisher reachable.');
  await submit(page, 'Publish without approval');
  check(/published/.test(await page.textContent('.meta')), `after forcing the entry is ${await page.textContent('.meta')}`);
  await audit(owner, 'entry-forced');
  check((await page.request.get(`${origin}/sites/${site}/en/${urgentSlug}`)).status() === 200, 'the force-published entry is not public');
  await page.goto(`${base}/audit?action=entry.publish`);
  check((await page.textContent('main')).includes('Storm surge: no second publisher reachable.'), 'the audit log does not keep the reason of the forced publication');

  // An admin ends another person's sessions; "sign out everywhere" ends
  // all of one's own: the next page asks to sign in again.
  step('end the viewer\'s sessions');
  await page.goto(`${base}/people`);
  const viewerRow = page.getByRole('row').filter({ hasText: 'viewer@example.org' });
  await submit(page, 'End sessions of Viewer Person', viewerRow);
  check(/Every session of the person has ended/.test(await page.textContent('main')), 'no confirmation of the ended sessions');
  await viewer.page.goto(`${origin}/admin/`);
  check(path(viewer.page) === '/admin/login', `the viewer after their sessions ended is at ${viewer.page.url()}`);
  step('sign out everywhere');
  const otherTab = await owner.context.newPage();
  await otherTab.goto(`${origin}/admin/`);
  check(path(otherTab) === '/admin/', `the owner's second tab is at ${otherTab.url()}`);
  await page.goto(origin + accountPath);
  await submit(page, 'Sign out everywhere');
  check(path(page) === '/admin/login', `sign out everywhere leads to ${page.url()}`);
  await otherTab.goto(`${origin}/admin/sites/${site}/entries`);
  check(path(otherTab) === '/admin/login', `after signing out everywhere another tab is at ${otherTab.url()}`);
  await otherTab.close();
} catch (e) {
  fail(`stopped after step "${steps.at(-1)}": ${e.stack || e}`);
} finally {
  await browser.close();
  foreign?.close();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
}

writeFileSync(join(artifacts, 'axe-results.json'), JSON.stringify({ steps, pages: summary }, null, 2) + '\n');
for (const s of summary) console.log(`${s.page.padEnd(34)} violations ${s.violations}  passes ${s.passes}  incomplete ${s.incomplete}`);
console.log(`\nsteps covered: ${steps.join('; ')}`);
if (failures.length) {
  console.error(`\n${failures.length} failure(s)`);
  process.exit(1);
}
console.log(`\nall ${summary.length} console page checks passed; screenshots in ${artifacts}`);
