/**
 * Which nested stack each route's function lives in. CloudFormation allows 500 resources per template
 * and each route costs about 7 (function, role, policy, log group, permission, integration, route), so
 * the routes are grouped by resource family into nested stacks of their own: the root keeps the table,
 * the runner, the API and the alarms. A family is chosen by the handler's folder under functions/ and
 * never changes once deployed (moving a route to another stack replaces it, and its route key would
 * exist twice during the update): a new folder must be given a family here, existing or new.
 */
import type { RouteDef } from '../../shared/routes';

export const ROUTE_FAMILIES = {
  Organizations: ['health', 'api-docs', 'identity', 'organizations', 'teams', 'templates'],
  Workspaces: ['workspaces', 'variables', 'operations', 'schedules'],
  Jobs: ['jobs', 'workspace-jobs', 'steps'],
  Webhooks: ['webhooks', 'webhook-events'],
  /** What the stock Terrakube UI reads besides the JSON:API resources (issue 18). */
  Ui: ['graphql', 'permissions', 'context', 'unmodelled'],
  /** The TFE API of the terraform CLI: discovery, organizations, workspaces and state. */
  Tfe: ['tfe'],
  /** The TFE API of the terraform CLI: configuration versions, runs, plans, applies and logs. */
  TfeRuns: ['tfe-runs'],
} as const satisfies Record<string, readonly string[]>;

export type RouteFamily = keyof typeof ROUTE_FAMILIES;

/** CloudFormation's limit is 500; the service keeps every template at or below this. */
export const TEMPLATE_RESOURCE_CEILING = 300;

/**
 * Routes per family before its nested stack nears the ceiling (7 resources each plus the stack's few
 * of its own): past this, split the family.
 */
export const MAX_ROUTES_PER_FAMILY = 40;

export function familyOf(route: Pick<RouteDef, 'handler' | 'method' | 'path'>): RouteFamily {
  const folder = route.handler.replace(/^functions\//, '').split('/');
  const dir = folder.length > 1 ? (folder[0] as string) : (folder[0] as string).replace(/\.ts$/, '');
  for (const [family, dirs] of Object.entries(ROUTE_FAMILIES)) if ((dirs as readonly string[]).includes(dir)) return family as RouteFamily;
  throw new Error(`${route.method} ${route.path}: functions/${dir} belongs to no route family; add it to ROUTE_FAMILIES in infra/constructs/route-families.ts`);
}

export function routesByFamily(routes: readonly RouteDef[]): Map<RouteFamily, RouteDef[]> {
  const families = new Map<RouteFamily, RouteDef[]>();
  for (const route of routes) {
    const family = familyOf(route);
    families.set(family, [...(families.get(family) ?? []), route]);
  }
  for (const [family, members] of families) {
    if (members.length > MAX_ROUTES_PER_FAMILY) {
      throw new Error(
        `route family ${family} has ${members.length} routes, over ${MAX_ROUTES_PER_FAMILY}: its nested stack would near ${TEMPLATE_RESOURCE_CEILING} resources; split the family`,
      );
    }
  }
  return families;
}
