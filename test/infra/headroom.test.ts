/**
 * Resource headroom (issue 11): CloudFormation refuses a template of more than 500 resources; every
 * template of the service (the root stack and each route family's nested stack) stays at or below 300,
 * today and with every family at its maximum of routes (the routes of the coming issues go into these
 * families or into new ones of the same size).
 */
import { describe, expect, it } from 'vitest';
import { MAX_ROUTES_PER_FAMILY, ROUTE_FAMILIES, TEMPLATE_RESOURCE_CEILING, familyOf } from '../../infra/constructs/route-families';
import { ROUTES, routeId, type RouteDef } from '../../shared/routes';
import { synthesize } from '../helpers/cdk';
import { sharedSynth } from '../helpers/shared-synth';

type Json = Record<string, any>;
const counts = (templates: { file: string; json: Json }[]) => Object.fromEntries(templates.map((t) => [t.file, Object.keys(t.json.Resources).length]));
const overCeiling = (c: Record<string, number>) => Object.entries(c).filter(([, n]) => n > TEMPLATE_RESOURCE_CEILING).map(([file, n]) => `${file}: ${n} resources`);

/** The route table with every family filled up to its maximum by copies of its routes under new paths. */
function fullFamilies(): RouteDef[] {
  const routes = [...ROUTES];
  for (const family of Object.keys(ROUTE_FAMILIES)) {
    const members = ROUTES.filter((r) => familyOf(r) === family);
    for (let i = 0; members.length > 0 && routes.filter((r) => familyOf(r) === family).length < MAX_ROUTES_PER_FAMILY; i++) {
      const like = members[i % members.length] as RouteDef;
      routes.push({ ...like, path: `${like.path}/more${i}`, name: `${routeId(like)}More${i}` });
    }
  }
  return routes;
}

describe('template resource ceiling', () => {
  it(`keeps the root and every nested template at or below ${TEMPLATE_RESOURCE_CEILING} resources`, async () => {
    const { templates } = await sharedSynth('default');
    expect(templates.length).toBeGreaterThan(1);
    expect(overCeiling(counts(templates)), JSON.stringify(counts(templates))).toEqual([]);
  });

  it(`still does with every route family at ${MAX_ROUTES_PER_FAMILY} routes (about 2.5 times today's functions)`, () => {
    const routes = fullFamilies();
    expect(routes.length).toBeGreaterThanOrEqual(Object.keys(ROUTE_FAMILIES).length * MAX_ROUTES_PER_FAMILY);
    const { templates, template } = synthesize({ routes });
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).length).toBeGreaterThanOrEqual(150);
    expect(overCeiling(counts(templates)), JSON.stringify(counts(templates))).toEqual([]);
  });

  it('refuses a route whose handler folder belongs to no family, and a family over its maximum', () => {
    const stray: RouteDef = { method: 'GET', path: '/api/v1/stray', handler: 'functions/stray/get.ts', auth: 'bearer', access: [] };
    expect(() => synthesize({ routes: [...ROUTES, stray] })).toThrow(/functions\/stray belongs to no route family/);
    const crowded = [...fullFamilies(), { ...(ROUTES[1] as RouteDef), path: '/api/v1/organization/one-too-many', name: 'OneTooMany' }];
    expect(() => synthesize({ routes: crowded })).toThrow(/route family Organizations has 41 routes/);
  });
});
