// LHC-Forms (NLM's FHIR form renderer, npm lforms) in headless Chromium, for the tests: loads a
// Questionnaire, optionally fills it from a QuestionnaireResponse, and prints as JSON what came
// back ({ok, rendered, response} or {ok: false, error}) plus every page error on the console.
//
//   node tests/fhir/lhcforms.mjs QUESTIONNAIRE.json [RESPONSE.json]
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const lforms = join(here, 'node_modules', 'lforms', 'dist', 'lforms');
const [questionnaire, response] = process.argv.slice(2);
const types = { '.js': 'text/javascript', '.json': 'application/json', '.html': 'text/html', '.css': 'text/css' };

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://localhost').pathname;
  let file = null;
  if (path === '/') file = join(here, 'lhcforms.html');
  else if (path === '/questionnaire.json') file = questionnaire;
  else if (path === '/response.json') file = response || null;
  else if (path.startsWith('/lforms/')) file = normalize(join(lforms, path.slice('/lforms/'.length)));
  if (!file || (path.startsWith('/lforms/') && !file.startsWith(lforms))) { res.writeHead(404); res.end(); return; }
  try {
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': types[file.slice(file.lastIndexOf('.'))] || 'application/octet-stream' });
    res.end(body);
  } catch { res.writeHead(404); res.end(); }
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic'],
});
const errors = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => document.getElementById('result').textContent !== 'pending', null, { timeout: 90000 });
  const result = JSON.parse(await page.textContent('#result'));
  console.log(JSON.stringify({ ...result, pageErrors: errors }));
} finally {
  await browser.close();
  server.close();
}
