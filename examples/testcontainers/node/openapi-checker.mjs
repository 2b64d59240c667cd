// The admin API's answers checked against its OpenAPI document,
// schema/admin.openapi.json, under the rules of the Go suite's checker
// (internal/testkit/apicheck):
//
// - an answer to a path under /_mock, after an optional /s/{session}
//   prefix, is routed by its path and method; a path the document has no
//   operation for must get 404, a method it has none for 405, or one of the
//   server's own refusals (400, 401, 413, 503), with the Error body;
// - the status must be documented for the operation (the exact code, then
//   a range like "4XX", then "default");
// - the Content-Type must be one the status documents; a JSON body must
//   validate against its schema (Ajv's JSON Schema 2020-12 build, with
//   ajv-formats for date-time); an HTML page is checked by its type alone.
//
// Used by openapi-check.mjs (the fetch wrapper the recipe runs under in
// ../ci.sh) and tested by openapi-check.test.mjs. Test-only: the recipe
// itself knows nothing of it.
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

// The document of the repository this folder is in.
export const DOCUMENT = new URL("../../../schema/admin.openapi.json", import.meta.url);

// The id the document is known to Ajv by; its schemas are referenced as
// `${DOC_ID}#/components/schemas/...` (and its own "#/..." refs resolve
// against it).
const DOC_ID = "https://tokenmock.invalid/admin.openapi.json";

// The server's own refusals before routing (session name, admin token, body
// size, session registry), which any admin path may get.
const REFUSALS = new Set([400, 401, 413, 503]);
const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options", "trace"]);

// An OpenAPI document's own fields, which Ajv's strict mode would refuse as
// unknown keywords when it compiles the document as the root of the refs.
const OPENAPI_FIELDS = ["openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks", "components", "security", "tags", "externalDocs"];

// The path an answer is checked under: its path without an /s/{session}
// prefix (a leading // made one /, before and after the prefix, as the
// server routes it); null when that is not under /_mock (a vendor request).
export function adminPath(path) {
  if (path.startsWith("//")) path = "/" + path.replace(/^\/+/, "");
  if (path.startsWith("/s/")) {
    const slash = path.indexOf("/", 3);
    path = "/" + (slash < 0 ? "" : path.slice(slash + 1).replace(/^\/+/, ""));
  }
  return path === "/_mock" || path.startsWith("/_mock/") ? path : null;
}

// "application/json; charset=utf-8" → "application/json".
function mediaType(header) {
  return (header ?? "").split(";")[0].trim().toLowerCase();
}

const pointerPart = (s) => String(s).replaceAll("~", "~0").replaceAll("/", "~1");

export class Checker {
  // doc: the parsed OpenAPI document.
  constructor(doc) {
    if (typeof doc?.openapi !== "string" || !doc.openapi.startsWith("3.1")) {
      throw new Error(`the admin API document is OpenAPI ${doc?.openapi}, want 3.1`);
    }
    if (!doc.components?.schemas?.Error) throw new Error("the admin API document has no Error schema");
    this.doc = doc;
    this.ajv = new Ajv2020({ allErrors: true });
    addFormats(this.ajv);
    this.ajv.addVocabulary(OPENAPI_FIELDS);
    this.ajv.addSchema(doc, DOC_ID);
    // The document's paths as patterns ("{name}" matches one segment).
    this.routes = Object.entries(doc.paths ?? {}).map(([template, item]) => ({
      template,
      item,
      pattern: new RegExp("^" + template.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^/]+") + "$"),
    }));
  }

  // A checker of the document in the file at path (a path or file: URL).
  static load(path = DOCUMENT) {
    let doc;
    try {
      doc = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw new Error(`read the admin API document ${path}: ${err.message}`);
    }
    return new Checker(doc);
  }

  // The validator of the schema at a JSON pointer into the document.
  validator(pointer) {
    const validate = this.ajv.getSchema(`${DOC_ID}#${pointer}`);
    if (!validate) throw new Error(`the document has no schema at #${pointer}`);
    return validate;
  }

  // The JSON pointers of every response schema the document has (each
  // compiled by validator() when an answer needs it).
  responseSchemas() {
    const pointers = [];
    for (const { template, item } of this.routes) {
      for (const [m, op] of Object.entries(item)) {
        if (!METHODS.has(m)) continue;
        for (const [key, res] of Object.entries(op.responses ?? {})) {
          const { obj, pointer } = this.response(res, `/paths/${pointerPart(template)}/${m}/responses/${key}`);
          for (const [type, media] of Object.entries(obj?.content ?? {})) {
            if (media.schema) pointers.push(`${pointer}/content/${pointerPart(type)}/schema`);
          }
        }
      }
    }
    return pointers;
  }

  // Follows a Response object's $ref (#/components/responses/...): the
  // object and its JSON pointer.
  response(obj, pointer) {
    for (let hops = 0; obj && typeof obj.$ref === "string"; hops++) {
      if (!obj.$ref.startsWith("#/") || hops > 8) throw new Error(`unsupported response $ref ${obj.$ref} at #${pointer}`);
      pointer = obj.$ref.slice(1);
      obj = pointer
        .split("/")
        .slice(1)
        .reduce((o, part) => o?.[part.replaceAll("~1", "/").replaceAll("~0", "~")], this.doc);
    }
    return { obj, pointer };
  }

  // Checks one answer: { method, path (the URL's path as sent), status,
  // contentType (the header), body (text, or null when it was not read) }.
  // The problems found, [] for a valid answer; null when the path is not
  // an admin path.
  check({ method, path, status, contentType, body }) {
    const admin = adminPath(path);
    if (admin === null) return null;
    const route = this.routes.find((r) => r.pattern.test(admin));
    const m = method.toLowerCase();
    const op = METHODS.has(m) ? route?.item[m] : undefined;
    if (!route || !op) {
      const want = route ? 405 : 404;
      if (status !== want && !REFUSALS.has(status)) {
        return [`status ${status} for a request the document has no operation for (want ${want} or a refusal: 400, 401, 413, 503)`];
      }
      return this.checkBody("/components/schemas/Error", "application/json", contentType, body);
    }
    const opPointer = `/paths/${pointerPart(route.template)}/${m}`;
    const responses = op.responses ?? {};
    const key = [String(status), `${String(status)[0]}XX`, "default"].find((k) => k in responses);
    if (key === undefined) {
      return [`status ${status} is not documented for ${method.toUpperCase()} ${route.template} (documented: ${Object.keys(responses).join(", ")})`];
    }
    const { obj, pointer } = this.response(responses[key], `${opPointer}/responses/${key}`);
    const content = obj?.content ?? {};
    const got = mediaType(contentType);
    if (Object.keys(content).length === 0) {
      return !body ? [] : [`a body for status ${status}, which documents none`];
    }
    const [type] = [got, `${got.split("/")[0]}/*`, "*/*"].filter((t) => t in content);
    if (type === undefined) {
      return [`content type "${got}" for status ${status}, want one of: ${Object.keys(content).join(", ")}`];
    }
    if (!content[type].schema) return [];
    return this.checkBody(`${pointer}/content/${pointerPart(type)}/schema`, type, contentType, body);
  }

  // A JSON body validated against the schema at pointer; the header must
  // be want's type.
  checkBody(pointer, want, contentType, body) {
    if (mediaType(contentType) !== want) return [`content type "${mediaType(contentType)}", want ${want}`];
    if (body === null) return []; // not read: the type alone
    let value;
    try {
      value = JSON.parse(body);
    } catch (err) {
      return [`the body is no JSON: ${err.message}`];
    }
    const validate = this.validator(pointer);
    if (validate(value)) return [];
    return validate.errors.map((e) => `${e.instancePath || "(body)"} ${e.message}${paramsText(e.params)} (schema ${e.schemaPath})`);
  }
}

// Ajv names the property only in params for additionalProperties.
function paramsText(params) {
  return params?.additionalProperty === undefined ? "" : `: ${params.additionalProperty}`;
}
