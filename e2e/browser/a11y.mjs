// Browser tests of the public site: axe-core (WCAG 2.1 A/AA and best
// practices) on every kind of page at 375 and 1280 px, in light and dark
// mode (prefers-color-scheme), plus checks that
// axe does not make: page language, visible keyboard focus, no horizontal
// scrolling down to 320 px, no request to another origin, no console
// errors (CSP violations included), a print stylesheet, and a header no
// taller than a sixth of a 375 × 667 phone screen.
//
// Usage: node a11y.mjs   (run .ci/setup-browser.sh first)
// Environment: CHROMIUM (default /usr/bin/chromium), ARTIFACTS (default
// <repo>/test-artifacts/browser).
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
const artifacts = process.env.ARTIFACTS || join(repo, 'test-artifacts', 'browser');
mkdirSync(artifacts, { recursive: true });

const pages = [
  ['home', '/sites/demo/'],
  ['home-fr', '/sites/demo/fr/'],
  ['list', '/sites/demo/news/'],
  ['entry-history', '/sites/demo/en/medicine-supply/'],
  ['entry-attachments', '/sites/demo/en/hospital-capacity-report/'],
  ['entry-withdrawn', '/sites/demo/en/early-mask-advice/'],
  ['page', '/sites/demo/en/about/'],
  ['tag', '/sites/demo/tags/medicines/'],
  ['tag-fr', '/sites/demo/tags/medicines/fr/'],
  ['organisation', '/sites/demo/organisations/societe-francaise-d-exemple/'],
  ['tag-index', '/sites/demo/tags/'],
  ['tag-index-fr', '/sites/demo/tags/fr/'],
  ['organisation-index', '/sites/demo/organisations/'],
  ['organisation-index-fr', '/sites/demo/organisations/fr/'],
  ['list-fr', '/sites/demo/news/fr/'],
  ['entry-fr', '/sites/demo/fr/about/'],
  ['entry-table', '/sites/demo/en/stock-table/'],
  ['page-privacy', '/sites/demo/en/privacy/'],
  ['not-found-fr', '/sites/demo/fr/no-such-entry/', 404],
  ['directory', '/', 200],
  ['not-found', '/sites/demo/en/no-such-entry/', 404],
  ['gone', '/sites/demo/en/removed-notice/', 410],
  ['entry-expired', '/sites/demo/en/expired-guidance/'],
  ['entry-outdated', '/sites/demo/fr/medicine-supply/'],
  ['archived-home', '/sites/archived/'],
  ['archived-entry', '/sites/archived/en/water-levels/'],
  ['preview-invalid', '/preview/not-a-token', 404],
  ['search-form', '/sites/demo/search'],
  ['search-results', '/sites/demo/search?q=medicines'],
  ['search-results-fr', '/sites/demo/search?q=m%C3%A9dicaments&lang=fr'],
  ['search-filtered-page2', '/sites/demo/search?type=news&page=2'],
  ['search-no-results', '/sites/demo/search?q=zzqxv+unfindable'],
  ['search-suggest', '/sites/demo/search?q=medicnes'],
  ['search-partial', '/sites/demo/search?q=medicines+zzqxv'],
  ['search-invalid', '/sites/demo/search?q=x&from=yesterday', 400],
  ['banner-info', '/sites/banner-info/'],
  ['banner-warning', '/sites/banner-warning/'],
  ['banner-severe', '/sites/banner-severe/'],
  ['banner-extreme-fr', '/sites/banner-extreme/fr/'],
  ['banner-not-found', '/sites/banner-severe/en/no-such-entry/', 404],
];
const widths = [375, 1280];
const schemes = ['light', 'dark'];
// The header may take at most a sixth of a 375 × 667 phone screen.
const maxHeader = Math.round(667 / 6);

function startServer() {
  const work = mkdtempSync(join(tmpdir(), 'infocentre-e2e-bin-'));
  const bin = join(work, 'server');
  execFileSync('go', ['build', '-o', bin, './e2e/browser/server'], { cwd: repo, stdio: 'inherit' });
  const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    child.on('exit', (code) => fail(new Error(`server exited with ${code}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/^URL (\S+)$/m);
      const p = out.match(/^PREVIEW (\S+)$/m);
      const st = out.match(/^STATIC (\S+)$/m);
      const al = out.match(/^ALERTS (\S+) (\S+) (\S+)$/m);
      if (m) ok({ url: m[1], preview: p && p[1], static: st && st[1], alerts: al && al.slice(1), stop: () => { child.stdin.end(); child.kill('SIGTERM'); rmSync(work, { recursive: true, force: true }); } });
    });
  });
}

const failures = [];
const fail = (msg) => { failures.push(msg); console.error('FAIL ' + msg); };

const server = await startServer();
if (!server.preview || !server.static) throw new Error('the server printed no preview link or static copy');
pages.push(['preview', server.preview]);
// The pages of an email alert subscription's links (made in French).
if (!server.alerts) throw new Error('the server printed no email alert links');
pages.push(['alerts-confirm-fr', server.alerts[0]], ['alerts-manage-fr', server.alerts[1]], ['alerts-unsubscribe-fr', server.alerts[2]],
  ['alerts-bad-link', '/sites/demo/subscriptions/?t=forged', 404]);
// The static copy, served by a plain file server (absolute URLs: its own origin).
pages.push(['static-home', server.static + '/'], ['static-list-page2', server.static + '/news/page/2/'],
  ['static-entry', server.static + '/en/medicine-supply/'], ['static-404', server.static + '/404.html']);
const profile = mkdtempSync(join(tmpdir(), 'infocentre-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const summary = [];
const headers = [];
try {
  for (const [name, path, status = 200] of pages) {
    for (const width of widths) {
    for (const scheme of schemes) {
      const label = `${name}@${width}${scheme === 'dark' ? '-dark' : ''}`;
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height: 900 });
      const foreign = [];
      const consoleErrors = [];
      const target = new URL(path, server.url);
      page.on('request', (r) => { if (new URL(r.url()).origin !== target.origin) foreign.push(r.url()); });
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
      const resp = await page.goto(target.href, { waitUntil: 'load' });
      if (resp.status() !== status) fail(`${label}: status ${resp.status()}, want ${status}`);

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
      if (scheme === 'dark') {
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        if (bg !== 'rgb(18, 18, 18)') fail(`${label}: dark mode not applied (background ${bg})`);
      }
      if (width === 375) {
        const h = await page.evaluate(() => { const t = document.querySelector('header.top'); return t ? t.getBoundingClientRect().height : 0; });
        if (h > maxHeader) fail(`${label}: header is ${Math.round(h)}px tall, more than ${maxHeader}px`);
        if (scheme === 'light') headers.push(`${name}: ${Math.round(h)}px`);
      }

      // Keyboard: the first Tab lands on the visible skip link, whose focus is drawn.
      await page.keyboard.press('Tab');
      const focus = await page.evaluate(() => {
        const el = document.activeElement;
        const cs = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        return { text: el.textContent.trim(), href: el.getAttribute('href'), outline: cs.outlineStyle,
          width: parseFloat(cs.outlineWidth), visible: box.left >= 0 && box.width > 0 };
      });
      if (focus.href !== '#main' || !focus.text || !focus.visible) fail(`${label}: first Tab focuses ${JSON.stringify(focus)}`);
      if (focus.outline === 'none' || !(focus.width >= 2)) fail(`${label}: focus not visible (${focus.outline} ${focus.width}px)`);

      if (width === widths[0] && scheme === 'light') {
        await page.setViewportSize({ width: 320, height: 800 });
        const o320 = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        if (o320 > 0) fail(`${name}@320: scrolls sideways by ${o320}px`);
        await page.emulateMedia({ media: 'print' });
        const navShown = await page.evaluate(() => [...document.querySelectorAll('header nav')].some((n) => getComputedStyle(n).display !== 'none'));
        if (navShown) fail(`${name}: navigation shown in print`);
        await page.emulateMedia({ media: 'screen' });
      }
      if (name === 'search-form') {
        // The form works as plain HTML: type, press Enter, get results.
        await page.fill('#q', 'medicines');
        await Promise.all([page.waitForNavigation(), page.press('#q', 'Enter')]);
        const found = await page.evaluate(() => ({ url: location.href, hits: document.querySelectorAll('main ol.items > li').length }));
        if (!found.url.includes('q=medicines') || found.hits === 0) fail(`${label}: submitting the form gave ${JSON.stringify(found)}`);
      }
      if (name.startsWith('banner-')) {
        // The banner is the first landmark after the skip link, a named region with a heading.
        const b = await page.evaluate(() => {
          const el = document.querySelector('body > section.alert');
          return el && { label: el.getAttribute('aria-labelledby'), heading: el.querySelector('h2')?.id, first: document.body.children[1] === el };
        });
        if (!b || b.label !== b.heading || !b.first) fail(`${label}: banner ${JSON.stringify(b)}`);
      }
      if (foreign.length) fail(`${label}: requests to other origins: ${foreign.join(', ')}`);
      if (consoleErrors.length && status === 200) fail(`${label}: console errors: ${consoleErrors.join(' | ')}`);
      summary.push({ page: label, path, violations: result.violations.length, passes: result.passes.length, incomplete: result.incomplete.length });
      await page.close();
    }
    }
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
  server.stop();
}

writeFileSync(join(artifacts, 'axe-results.json'), JSON.stringify(summary, null, 2) + '\n');
console.log('header heights at 375 px: ' + headers.join(', '));
for (const s of summary) console.log(`${s.page.padEnd(26)} violations ${s.violations}  passes ${s.passes}  incomplete ${s.incomplete}`);
if (failures.length) {
  console.error(`\n${failures.length} failure(s)`);
  process.exit(1);
}
console.log(`\nall ${summary.length} page checks passed; screenshots in ${artifacts}`);
