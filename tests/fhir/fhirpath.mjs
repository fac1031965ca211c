// HL7's FHIRPath engine for JavaScript (npm fhirpath, the one LHC-Forms runs), for the tests:
// evaluates each expression over a resource, with %resource bound to it as a form renderer does,
// and prints the results as a JSON list of lists.
//
//   node tests/fhir/fhirpath.mjs RESOURCE.json EXPRESSION [EXPRESSION ...]
import { readFileSync } from 'node:fs';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';

const [file, ...expressions] = process.argv.slice(2);
const resource = JSON.parse(readFileSync(file, 'utf8'));
console.log(JSON.stringify(expressions.map((e) => fhirpath.evaluate(resource, e, { resource }, r4))));
