// Browser tests of the staff console's administration screens: axe-core
// (WCAG 2.1 A/AA and best practices) on every screen at 375 and 1280 px —
// also after a form post that shows field errors, an issued key's
// once-only secret and an invitation link — plus: page language, no
// sideways scrolling down to 320 px, no request to another origin, no
// console errors (CSP violations included). Screenshots are kept.
//
// Usage: node console-a11y.mjs   (run .ci/setup-browser.sh first)
// Environment: CHROMIUM (default /usr/bin/chromium), ARTIFACTS (default
// <repo>/test-artifacts/browser-console).
import { spawn, execFileSync } from 'node:child_process';
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
const artifacts = process.env.ARTIFACTS || join(repo, 'test-artifacts', 'browser-console');
mkdirSync(artifacts, { recursive: true });

// [name, path, status, action]: action runs on the loaded page and leaves
// the page to check (a form post's answer).
const pages = [
  ['sites', '/admin/sites'],
  ['settings', '/admin/sites/demo/settings'],
  ['settings-errors', '/admin/sites/demo/settings', 400, async (page) => {
    await page.fill('#title', '');
    await page.fill('#accent', '#ffff00');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/settings"] button[type=submit]')]);
  }],
  ['people', '/admin/sites/demo/people'],
  ['people-invited', '/admin/sites/demo/people', 200, async (page) => {
    await page.fill('#email', `someone-${Date.now()}-${Math.random().toString(36).slice(2)}@example.org`);
    await page.fill('#name', 'Sam Someone');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/people"] button[type=submit]')]);
    if (!(await page.inputValue('#invite-url')).includes('/admin/invite/')) throw new Error('no invitation link shown');
  }],
  ['keys', '/admin/sites/demo/keys'],
  ['keys-issued', '/admin/sites/demo/keys', 200, async (page) => {
    await page.fill('#name', 'e2e key');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/keys"] button[type=submit]')]);
    if (!/^icsk_/.test(await page.inputValue('#secret'))) throw new Error('no secret shown');
  }],
  ['webhooks', '/admin/sites/demo/webhooks'],
  ['webhooks-errors', '/admin/sites/demo/webhooks', 400, async (page) => {
    await page.fill('#url', 'https://10.0.0.1/hook');
    await page.uncheck('#event-entry\\.published');
    await page.uncheck('#event-entry\\.updated');
    await page.uncheck('#event-entry\\.withdrawn');
    await Promise.all([page.waitForNavigation(), page.click('form[action$="/webhooks"] button[type=submit]')]);
    if (!(await page.textContent('.error-summary')).includes('Events')) throw new Error('no error summary for events');
  }],
  ['audit', '/admin/sites/demo/audit'],
  ['audit-filtered', '/admin/sites/demo/audit?action=key.create'],
  ['audit-invalid', '/admin/sites/demo/audit?from=yesterday', 400],
  ['audit-owners', '/admin/audit'],
  ['files', '/admin/sites/demo/files'],
  ['owners', '/admin/people'],
  ['owner-keys', '/admin/keys'],
  ['account', '/admin/account'],
  ['not-found', '/admin/no-such-page', 404],
];
const widths = [375, 1280];

function startServer() {
  const work = mkdtempSync(join(tmpdir(), 'infocentre-e2e-console-bin-'));
  const bin = join(work, 'console');
  execFileSync('go', ['build', '-o', bin, './e2e/browser/console'], { cwd: repo, stdio: 'inherit' });
  const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.on('exit', (code) => fail(new Error(`server exited with ${code}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const u = out.match(/^URL (\S+)$/m);
      const c = out.match(/^COOKIE ([^=\s]+)=(\S+)$/m);
      if (u && c) ok({ url: u[1], cookie: { name: c[1], value: c[2] }, stop: () => { child.stdin.end(); child.kill('SIGTERM'); rmSync(work, { recursive: true, force: true }); } });
    });
  });
}

const failures = [];
const fail = (msg) => { failures.push(msg); console.error('FAIL ' + msg); };

const server = await startServer();
const profile = mkdtempSync(join(tmpdir(), 'infocentre-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  // The console serves http://localhost (passkeys need a host name); the server listens on 127.0.0.1.
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--host-resolver-rules=MAP localhost 127.0.0.1'],
});
await context.addCookies([{ ...server.cookie, url: server.url, httpOnly: true, sameSite: 'Lax' }]);
const summary = [];
try {
  for (const [name, path, status = 200, action] of pages) {
    for (const width of widths) {
      const label = `${name}@${width}`;
      const page = await context.newPage();
      await page.setViewportSize({ width, height: 900 });
      const foreign = [];
      const consoleErrors = [];
      const target = new URL(path, server.url);
      page.on('request', (r) => { if (new URL(r.url()).origin !== target.origin) foreign.push(r.url()); });
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
      let resp = await page.goto(target.href, { waitUntil: 'load' });
      if (action) {
        const answer = page.waitForResponse((r) => r.request().method() === 'POST');
        await action(page);
        resp = await answer;
      }
      if (resp.status() !== status) fail(`${label}: status ${resp.status()}, want ${status}`);

      // Evaluated, not injected as a script tag: the console's CSP allows no inline script.
      await page.evaluate(axeSource);
      const result = await page.evaluate(() => axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      }));
      for (const v of result.violations) {
        fail(`${label}: axe ${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      }
      const lang = await page.evaluate(() => document.documentElement.lang);
      if (!lang) fail(`${label}: no lang on <html>`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) fail(`${label}: scrolls sideways by ${overflow}px`);
      await page.screenshot({ path: join(artifacts, `${label}.png`), fullPage: true });
      if (width === widths[0]) {
        await page.setViewportSize({ width: 320, height: 800 });
        const o320 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (o320 > 0) fail(`${name}@320: scrolls sideways by ${o320}px`);
      }
      if (foreign.length) fail(`${label}: requests to other origins: ${foreign.join(', ')}`);
      // A page answered 4xx logs its own status as a console error; nothing else may.
      const errs = consoleErrors.filter((e) => !/the server responded with a status of 4\d\d/.test(e));
      if (errs.length) fail(`${label}: console errors: ${errs.join(' | ')}`);
      summary.push({ page: label, path, violations: result.violations.length, passes: result.passes.length, incomplete: result.incomplete.length });
      await page.close();
    }
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  server.stop();
}

writeFileSync(join(artifacts, 'axe-results.json'), JSON.stringify(summary, null, 2) + '\n');
for (const s of summary) console.log(`${s.page.padEnd(26)} violations ${s.violations}  passes ${s.passes}  incomplete ${s.incomplete}`);
if (failures.length) {
  console.error(`\n${failures.length} failure(s)`);
  process.exit(1);
}
console.log(`\nall ${summary.length} console page checks passed; screenshots in ${artifacts}`);
