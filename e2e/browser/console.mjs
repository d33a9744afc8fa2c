// Browser tests of the staff console (/admin/) in headless Chromium with a
// virtual WebAuthn authenticator (Chrome DevTools Protocol): the first
// owner opens the invitation `infocentre serve` prints, creates a passkey,
// signs out and signs in again with it; the session cookie's flags; a
// cross-origin POST (a page on another origin) is refused; the newsroom
// screens (dashboard, entries, editor with preview, errors and a merge,
// workflow, revisions) work without a hitch; every console page reached is
// axe-clean at 375 and 1280 px, with a screenshot of each.
//
// The server is the real `infocentre serve` on a fresh data directory, on
// http://localhost:PORT (passkeys need a host name: the console serves
// 127.0.0.1 as localhost). Browsers allow neither Secure nor "__Host-"
// cookies over plain http, so this run checks what an http localhost
// origin gets — "infocentre_session", HttpOnly, SameSite=Lax, not Secure,
// Path=/, host-only — and that no "__Host-" cookie is set; the https
// variant (Secure, "__Host-infocentre_session") is checked by the Go tests
// of internal/console.
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

const failures = [];
const fail = (msg) => { failures.push(msg); console.error('FAIL ' + msg); };
const check = (ok, msg) => { if (!ok) fail(msg); return ok; };
const steps = [];
const step = (name) => { steps.push(name); console.log(`step: ${name}`); };

// startServer builds the CLI and runs `infocentre serve` on a fresh data
// directory; it resolves with the addresses and secrets the first start
// prints (owner key, console invitation).
function startServer() {
  const work = mkdtempSync(join(tmpdir(), 'infocentre-console-e2e-'));
  const bin = join(work, 'infocentre');
  execFileSync('go', ['build', '-o', bin, './cmd/infocentre'], { cwd: repo, stdio: 'inherit' });
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR || tmpdir(),
    INFOCENTRE_OWNER_EMAIL: 'owner@example.org', LOG_LEVEL: 'warn' };
  const child = spawn(bin, ['serve', '--addr', '127.0.0.1:0', '--data', join(work, 'data'), '--publish-interval', '1s'],
    { cwd: work, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => { log += d; });
  return new Promise((ok, failStart) => {
    let out = '';
    const timer = setTimeout(() => failStart(new Error(`server did not start: ${out}${log}`)), 120000);
    child.on('exit', (code) => failStart(new Error(`server exited with ${code}: ${log}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const serving = out.match(/^infocentre serving on (\S+)/m);
      const invite = out.match(/^console: (\S+)$/m);
      const key = out.match(/^owner key: (\S+)$/m);
      if (serving && invite && key) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        ok({
          listen: serving[1], invite: invite[1], ownerKey: key[1], origin: new URL(invite[1]).origin, log: () => log,
          stop: () => { child.kill('SIGTERM'); rmSync(work, { recursive: true, force: true }); },
        });
      }
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

// authenticator adds a virtual platform authenticator to page (resident
// keys, user verification that succeeds) and returns a function listing
// its credentials.
async function authenticator(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });
  return async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
}

const summary = [];

// expectRefused removes from errors the browser's report of the refusals
// a test provoked on purpose (status 403, or the status given, from url),
// and fails on any other.
function expectRefused(errors, url, status = 403) {
  const other = errors.splice(0).filter((e) => !(e.url === url && e.text.includes(`status of ${status}`)));
  if (other.length) fail(`console errors: ${other.map((e) => `${e.text} (${e.url})`).join(' | ')}`);
}

// audit runs axe at each width on the page as it is, checks the language,
// sideways scrolling and console errors, and saves a screenshot.
async function audit(page, name, consoleErrors) {
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
      // Name the widest elements that stick out, to find the culprit.
      const wide = await page.evaluate(() => [...document.querySelectorAll('main *')]
        .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .slice(-3).map((el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + el.className : '')));
      fail(`${label}: scrolls sideways by ${overflow}px (${wide.join(', ')})`);
    }
    await page.screenshot({ path: join(artifacts, `${label}.png`), fullPage: true });
    summary.push({ page: label, path: new URL(page.url()).pathname.replace(/\/invite\/[^/]+/, '/invite/…'),
      violations: result.violations.length, passes: result.passes.length, incomplete: result.incomplete.length });
  }
  if (consoleErrors.length) fail(`${name}: console errors: ${consoleErrors.splice(0).map((e) => `${e.text} (${e.url})`).join(' | ')}`);
}

// newPerson opens a browser context with its own virtual authenticator.
async function newPerson(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  // Console errors (CSP violations included), but not the browser's own
  // favicon request (the console has none; /favicon.ico is the public
  // site's 404).
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location().url?.endsWith('/favicon.ico')) errors.push({ text: m.text(), url: m.location().url });
  });
  const credentials = await authenticator(context, page);
  return { context, page, errors, credentials };
}

// sessionCookie returns the console's session cookie in context, if any.
async function sessionCookie(context, origin) {
  const all = await context.cookies(origin);
  return { session: all.find((c) => c.name === 'infocentre_session'), hostPrefixed: all.filter((c) => c.name.startsWith('__Host-')) };
}

// ceremony clicks a passkey button and waits for the page it leads to.
async function ceremony(page, name, expectPath) {
  await Promise.all([
    page.waitForURL((u) => u.pathname === expectPath, { timeout: 20000 }),
    page.getByRole('button', { name }).click(),
  ]).catch(async (e) => {
    const status = await page.locator('.status').textContent().catch(() => '');
    throw new Error(`${name}: ${e.message}; status shown: ${status}`);
  });
}

const server = await startServer();
const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let foreign;
try {
  const origin = server.origin;
  check(new URL(origin).hostname === 'localhost', `invitation link ${server.invite}: want a localhost origin (passkeys need a host name)`);
  const owner = await newPerson(browser);
  const { page } = owner;

  // 1. The invitation: create the first owner's passkey.
  step('open the owner invitation');
  let resp = await page.goto(server.invite);
  check(resp.status() === 200, `invitation: status ${resp.status()}`);
  check(resp.headers()['cache-control'] === 'no-store', `invitation: Cache-Control ${resp.headers()['cache-control']}`);
  check(resp.headers()['referrer-policy'] === 'no-referrer', 'invitation: the token-bearing page must send no Referer');
  await audit(page, 'invite', owner.errors);
  step('create a passkey');
  await ceremony(page, 'Create a passkey', '/admin/');
  const creds = await owner.credentials();
  check(creds.length === 1 && creds[0].isResidentCredential, `authenticator holds ${JSON.stringify(creds.map((c) => c.isResidentCredential))}, want one resident passkey`);
  // An owner lands on the sites to pick from; the account page says who is signed in.
  check(await page.getByRole('heading', { level: 1, name: 'Sites' }).isVisible(), 'after registration: not signed in (no sites page)');
  await audit(page, 'landing', owner.errors);
  await page.goto(origin + '/admin/account');
  check(await page.getByRole('heading', { level: 1, name: 'Your account' }).isVisible() && /owner@example\.org/.test(await page.textContent('main')),
    'the account page does not show the signed-in owner');
  await audit(page, 'account', owner.errors);

  // The session cookie (http localhost: see the header comment).
  step('check the session cookie flags');
  let { session, hostPrefixed } = await sessionCookie(owner.context, origin);
  if (check(session, 'no infocentre_session cookie after registration')) {
    check(session.httpOnly, 'session cookie is not HttpOnly');
    check(session.sameSite === 'Lax', `session cookie SameSite=${session.sameSite}, want Lax`);
    check(session.path === '/', `session cookie Path=${session.path}`);
    check(session.domain === 'localhost', `session cookie domain ${session.domain}, want host-only localhost`);
    check(!session.secure, 'session cookie marked Secure on an http origin (the browser would drop it)');
    check(session.expires > Date.now() / 1000, 'session cookie has no lifetime');
  }
  check(hostPrefixed.length === 0, `__Host- cookies on an http origin: ${hostPrefixed.map((c) => c.name)}`);
  const visible = await page.evaluate(() => document.cookie);
  check(!visible.includes('infocentre_session'), 'the session cookie is readable from script');
  // The invitation works once.
  resp = await page.request.get(server.invite, { maxRedirects: 0 });
  check(resp.status() >= 400, `used invitation: status ${resp.status()}, want a refusal`);

  // 2. A cross-origin POST: a page on another origin (same site, so the
  // Lax cookie is sent) submits a form to the console's sign-out. It is
  // refused, and the session survives.
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
  await audit(page, 'cross-origin-refused', owner.errors);
  resp = await page.goto(origin + '/admin/');
  check(new URL(page.url()).pathname === '/admin/', `after the refused POST the session is gone (at ${page.url()})`);
  // And from script on the other origin (fetch, no-cors): refused the same way.
  await page.goto(foreign.url);
  const [fetched, scripted] = await Promise.all([
    page.waitForResponse((r) => r.url() === origin + '/admin/logout/everywhere'),
    page.evaluate((u) => fetch(u, { method: 'POST', mode: 'no-cors', credentials: 'include' }).then(() => 'sent', (e) => String(e)), origin + '/admin/logout/everywhere'),
  ]);
  check(scripted === 'sent' && fetched.status() === 403, `no-cors fetch from another origin: ${scripted}, status ${fetched.status()}, want 403`);
  expectRefused(owner.errors, origin + '/admin/logout/everywhere');
  await page.goto(origin + '/admin/');
  check(new URL(page.url()).pathname === '/admin/', 'a cross-origin fetch ended the sessions');

  // 3. Sign out, then sign in again with the passkey.
  step('sign out');
  await page.goto(origin + '/admin/account');
  await Promise.all([page.waitForURL((u) => u.pathname === '/admin/login'), page.getByRole('button', { name: 'Sign out', exact: true }).click()]);
  ({ session } = await sessionCookie(owner.context, origin));
  check(!session, 'the session cookie outlives sign-out');
  await page.goto(origin + '/admin/');
  check(new URL(page.url()).pathname === '/admin/login', `signed out, /admin/ shows ${page.url()}`);
  await audit(page, 'login', owner.errors);
  step('sign in with the passkey');
  await ceremony(page, 'Sign in with a passkey', '/admin/');
  check(await page.getByRole('heading', { level: 1, name: 'Sites' }).isVisible(), 'after passkey sign-in: not signed in (no sites page)');
  const after = await owner.credentials();
  check(after.length === 1 && after[0].signCount > creds[0].signCount, `sign count ${creds[0].signCount} -> ${after[0]?.signCount}: the passkey was not used`);
  ({ session } = await sessionCookie(owner.context, origin));
  check(session && session.httpOnly && session.sameSite === 'Lax', 'no HttpOnly SameSite=Lax session after sign-in');
  await audit(page, 'landing-signed-in', owner.errors);

  // 4. The newsroom: the demo site's dashboard and entries, a Markdown
  // draft previewed, refused with a field error, saved, sent to review,
  // given a preview link; a stale save merged; the revisions compared.
  // Every page axe-clean.
  step('dashboard and entries list');
  const site = origin + '/admin/sites/demo';
  resp = await page.goto(site + '/');
  check(resp.status() === 200 && await page.getByRole('heading', { level: 2, name: 'Scheduled' }).isVisible(), `dashboard: status ${resp.status()}`);
  await audit(page, 'dashboard', owner.errors);
  resp = await page.goto(site + '/entries?status=published');
  check(resp.status() === 200 && await page.locator('table.list tbody tr').count() > 0, `entries list: status ${resp.status()}, no rows`);
  await audit(page, 'entries', owner.errors);
  step('write and preview a Markdown draft');
  await page.goto(site + '/entries/new');
  await audit(page, 'editor-new', owner.errors);
  await page.getByLabel('Body (Markdown)').fill('Boil **all** tap water.\n\n<script>alert(1)</script>\n\n## Where\n\nThe north district.');
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Preview' }).click()]);
  check(await page.locator('.preview strong').textContent() === 'all', 'the preview does not render the Markdown');
  check(await page.locator('.preview script').count() === 0, 'the preview keeps a script');
  check(await page.evaluate(() => document.activeElement?.id) === 'preview-title', 'the focus is not on the preview');
  await audit(page, 'editor-preview', owner.errors);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Save draft' }).click()]);
  check(await page.locator('.error-summary a[href="#f-title"]').count() === 1, 'no error summary linking to the title');
  check(await page.evaluate(() => document.activeElement?.classList.contains('error-summary')), 'the focus is not on the error summary');
  expectRefused(owner.errors, site + '/entries', 400);
  await audit(page, 'editor-errors', owner.errors);
  await page.locator('.error-summary a[href="#f-title"]').click();
  check(await page.evaluate(() => document.activeElement?.id) === 'f-title', 'the error link does not lead to the title field');
  await page.locator('#f-title').fill('Boil-water notice (browser test)');
  await Promise.all([page.waitForURL((u) => u.searchParams.get('done') === 'created'), page.getByRole('button', { name: 'Save draft' }).click()]);
  const entry = page.url().replace(/\?.*$/, '');
  await audit(page, 'entry', owner.errors);
  step('request review and create a preview link');
  await page.getByLabel('Note to the reviewer').fill('Check the district name');
  await Promise.all([page.waitForURL((u) => u.searchParams.get('done') === 'review'), page.getByRole('button', { name: 'Request review' }).click()]);
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Create a preview link' }).click()]);
  const link = await page.locator('#preview-url').inputValue();
  check(link.startsWith(origin + '/preview/'), `preview link ${link}: want an absolute URL on ${origin}`);
  await audit(page, 'entry-preview-link', owner.errors);
  step('a stale save is merged, not lost');
  const other = await owner.context.newPage();
  await page.goto(entry);
  await other.goto(entry);
  await other.getByLabel('Summary').fill('Saved first, in another tab');
  await Promise.all([other.waitForURL((u) => u.searchParams.get('done') === 'saved'), other.getByRole('button', { name: 'Save changes' }).click()]);
  await other.close();
  await page.getByLabel('Summary').fill('Saved second');
  resp = (await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Save changes' }).click()]))[0];
  check(resp.status() === 409 && await page.getByRole('heading', { name: 'Someone else saved this entry first' }).isVisible(), `stale save: status ${resp.status()}`);
  check(await page.getByLabel('Summary').inputValue() === 'Saved second', 'the stale save lost the input');
  expectRefused(owner.errors, entry, 409);
  await audit(page, 'entry-conflict', owner.errors);
  await page.getByLabel('Keep yours').check();
  await Promise.all([page.waitForURL((u) => u.searchParams.get('done') === 'saved'), page.getByRole('button', { name: 'Save changes' }).click()]);
  check(await page.getByLabel('Summary').inputValue() === 'Saved second', 'the merge did not keep the chosen value');
  step('compare revisions');
  resp = await page.goto(entry + '/diff');
  check(resp.status() === 200 && await page.locator('table.diff tbody tr').count() > 0, `diff: status ${resp.status()}`);
  await audit(page, 'entry-diff', owner.errors);
} finally {
  await browser.close();
  foreign?.close();
  server.stop();
}

writeFileSync(join(artifacts, 'axe-results.json'), JSON.stringify({ steps, pages: summary }, null, 2) + '\n');
for (const s of summary) console.log(`${s.page.padEnd(34)} violations ${s.violations}  passes ${s.passes}  incomplete ${s.incomplete}`);
console.log(`\nsteps covered: ${steps.join('; ')}`);
if (failures.length) {
  console.error(`\n${failures.length} failure(s)`);
  process.exit(1);
}
console.log(`\nall ${summary.length} console page checks passed; screenshots in ${artifacts}`);
