/**
 * The OpenAPI document is generated from the route table and the valibot schemas (shared/openapi): it is
 * a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator, the OpenAPI Initiative's schemas),
 * it has every route, each resource's attributes are exactly its schema's, and the response checker
 * the integration tests run (test/helpers/openapi-conformance.ts) catches what departs from it.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../shared/openapi/document';
import { RESOURCES } from '../../shared/openapi/registry';
import { ROUTES, routeId, type RouteDef } from '../../shared/routes';
import { openApiViolations } from '../helpers/openapi-conformance';

type Json = Record<string, any>;
const doc = openApiDocument({ routes: ROUTES, serverUrl: 'http://localhost:8080' });
const ORG = '0b0e7d3e-3c6a-4d43-9a51-51e9c2a2c0a1';
const at = '2026-01-01T00:00:00.000Z';
const team = (attributes: Json = {}) => ({
  type: 'team',
  id: '5f2a1ad5-7d0b-4e0c-9c55-0d4fbbd6a0f1',
  attributes: { name: 'OPS', manageWorkspace: true, manageTemplate: false, manageJob: true, planJob: false, approveJob: false, manageState: false, manageModule: false, manageProvider: false, manageVcs: false, manageCollection: false, role: null, createdBy: 'a@b', createdDate: at, updatedBy: 'a@b', updatedDate: at, ...attributes },
  relationships: { organization: { data: { type: 'organization', id: ORG } } },
  links: { self: `http://localhost/api/v1/organization/${ORG}/team/x` },
});
const answer = (data: unknown, extra: Json = {}) => JSON.stringify({ jsonapi: { version: '1.1' }, data, ...extra });
const JSONAPI = 'application/vnd.api+json';

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc as never);
    expect(result.errors ?? []).toEqual([]);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('has every route of the route table, public ones without security', () => {
    for (const route of ROUTES) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()] as Json | undefined;
      expect(operation?.operationId, `${route.method} ${route.path}`).toBe(routeId(route));
      if (route.auth === 'none') expect(operation?.security).toEqual([]);
      else expect(operation?.responses).toHaveProperty('401');
    }
  });

  it("describes each resource's attributes exactly as its valibot schema declares them", () => {
    for (const resource of Object.values(RESOURCES)) {
      const type = resource.resource.entries.type.literal;
      const component = doc.components.schemas[type.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase())] as Json;
      const declared = Object.keys((resource.resource.entries.attributes as v.StrictObjectSchema<v.ObjectEntries, undefined>).entries);
      expect(Object.keys(component.properties.attributes.properties), type).toEqual(declared);
      expect(component.properties.attributes.additionalProperties, type).toBe(false);
    }
  });

  it('shows a step\'s flowType with the flow types a template may use', () => {
    const step = doc.components.schemas.Step as Json;
    expect(step.properties.attributes.properties.flowType).toEqual({ type: 'string', enum: expect.arrayContaining(['terraformPlan', 'terraformApply', 'customScripts']) });
    expect(step.properties.attributes.required).toContain('flowType');
  });

  it('refuses to leave a route undescribed', () => {
    const stray: RouteDef = { method: 'GET', path: '/api/v1/stray', handler: 'functions/stray/get.ts', auth: 'bearer', access: [] };
    expect(() => openApiDocument({ routes: [...ROUTES, stray] })).toThrow(/functions\/stray\/get\.ts is described nowhere; add its folder or module to shared\/openapi\/registry\.ts/);
  });
});

describe('checking answers against it', () => {
  const path = `/api/v1/organization/${ORG}/team`;
  it('accepts what the service answers', () => {
    expect(openApiViolations('GET', path, 200, JSONAPI, answer([team()], { links: { self: 'x' } }))).toEqual([]);
    expect(openApiViolations('POST', path, 201, JSONAPI, answer(team()))).toEqual([]);
    expect(openApiViolations('GET', `${path}/x`, 404, JSONAPI, JSON.stringify({ jsonapi: { version: '1.1' }, errors: [{ status: '404', title: 'Not Found', detail: 'no' }] }))).toEqual([]);
    expect(openApiViolations('DELETE', `${path}/x`, 204, undefined, '')).toEqual([]);
    // Paths the document does not have are the $default route's (404/405), not operations.
    expect(openApiViolations('GET', '/no/such/path', 404, JSONAPI, '{}')).toEqual([]);
  });

  it('finds an attribute not declared, one missing, a wrong type, an undocumented status and media type', () => {
    expect(openApiViolations('GET', `${path}/x`, 200, JSONAPI, answer(team({ extra: 1 })))).toEqual([
      expect.stringMatching(/^GET \/api\/v1\/organization\/\{orgId\}\/team\/\{teamId\} → 200: \/data\/attributes must NOT have additional properties.*extra.*\(rule #\/components\/schemas\/Team\/properties\/attributes\/additionalProperties\)$/),
    ]);
    const missing = team();
    delete (missing.attributes as Json).manageJob;
    expect(openApiViolations('GET', `${path}/x`, 200, JSONAPI, answer(missing)).join()).toMatch(/must have required property 'manageJob'/);
    expect(openApiViolations('GET', `${path}/x`, 200, JSONAPI, answer(team({ manageJob: 'yes' }))).join()).toMatch(/\/data\/attributes\/manageJob must be boolean .*\(rule #\/components\/schemas\/Team\/properties\/attributes\/properties\/manageJob\/type\)/);
    expect(openApiViolations('GET', `${path}/x`, 500, JSONAPI, '{}').join()).toMatch(/does not list status 500/);
    expect(openApiViolations('GET', `${path}/x`, 200, 'text/html', '<p>').join()).toMatch(/media type 'text\/html' is not one the document lists/);
    expect(openApiViolations('DELETE', `${path}/x`, 204, JSONAPI, '{"data":null}').join()).toMatch(/no body/);
  });

  it('lets sparse fieldsets leave attributes out, and only then', () => {
    const sparse = { ...team(), attributes: { name: 'OPS' }, relationships: {} };
    expect(openApiViolations('GET', `${path}?fields[team]=name`, 200, JSONAPI, answer([sparse]))).toEqual([]);
    expect(openApiViolations('GET', path, 200, JSONAPI, answer([sparse]))).not.toEqual([]);
  });
});
