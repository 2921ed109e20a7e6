// How soon the page shows its first event card on a slow phone network:
// Chromium emulating 150 ms round trip and 1.6 Mbps (DevTools network
// conditions, no cache), against a `wrangler dev` of this checkout with
// ten events (one with a picture). Prints the median and every run. With
// a language, the user's Telegram is in it (the page fetches its words).
//
//   node bench/page-load.mjs [runs] [language]   (after `npm test` built the Worker)

import { Client, Worker, launchBrowser, makePng, prepareDb, removeState, tempState, user } from '../tests/helpers.mjs';
import { appUrl } from '../scripts/sign-init-data.mjs';

const RUNS = Number(process.argv[2] ?? 7);
const LANGUAGE = process.argv[3];
const ADMIN = 5_000_000_100;
const LATENCY_MS = 150;
const BYTES_PER_S = (1.6e6 / 8);

const state = await tempState();
await prepareDb(state);
const worker = await Worker.start({ persistTo: state, vars: { ADMIN_IDS: String(ADMIN) } });
const browser = await launchBrowser();
try {
  const admin = await Client.login(worker, user({ id: ADMIN }));
  const png = `data:image/png;base64,${makePng(256, [200, 120, 40]).toString('base64')}`;
  for (let i = 0; i < 10; i++) {
    const date = new Date(Date.now() + (i + 1) * 86_400_000).toISOString().slice(0, 10);
    admin.send({
      type: 'create-event', title: `Event ${i}`, start: '18:00', duration: 2, date, location: 'Hall',
      description: 'Something to do on an evening, with friends.',
      ...(i === 0 ? { image: { name: 'p.png', base64: png } } : {}),
    });
    await admin.nextWhere((m) => m.type === 'event' && m.title === `Event ${i}`);
  }
  admin.close();

  const times = [];
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    await context.route('https://telegram.org/**', (route) => route.abort());
    const page = await context.newPage();
    // The moment the first real card is in the document, in the page's own clock.
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('#events .event:not(.skeleton)')) {
          window.firstCard = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false, latency: LATENCY_MS, downloadThroughput: BYTES_PER_S, uploadThroughput: BYTES_PER_S,
    });
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(appUrl(worker.url, user({ languageCode: LANGUAGE }).initData));
    await page.waitForFunction(() => window.firstCard !== undefined, null, { timeout: 30_000 });
    times.push(await page.evaluate(() => window.firstCard));
    if (run === 0) console.log(`requests: ${requests.length} (${requests.map((u) => new URL(u).pathname).join(', ')})`);
    await context.close();
  }
  const sorted = [...times].sort((a, b) => a - b);
  console.log(`first card: median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms; runs ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
} finally {
  await browser.close();
  await worker.stop();
  await removeState(state);
}
