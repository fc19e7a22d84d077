/**
 * POST /graphql/api/v1: reads in Elide's GraphQL dialect, for the Terrakube UI. Like Elide, a query
 * that fails to parse or validate, or whose resolution fails, is still HTTP 200 with `errors`; only a
 * body without a `query` is a 400. Bounded: the query's size, its depth, and the nodes it may return.
 */
import { GraphQLError, Kind, execute, parse, validate, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { DomainError, Invalid, Unavailable, pointer } from '../domain/errors';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import { Loaders } from './loaders';
import { schema, type GraphQLContext } from './schema';

export const MAX_DEPTH = 15;
export const MAX_TOKENS = 5000;

interface GraphQLBody {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

function readBody(body: unknown): GraphQLBody {
  const b = body as Partial<GraphQLBody> | null;
  if (!b || typeof b !== 'object' || typeof b.query !== 'string' || b.query.trim() === '') {
    throw new Invalid('a GraphQL request needs a "query" string', pointer('/query'));
  }
  if (b.variables !== undefined && b.variables !== null && (typeof b.variables !== 'object' || Array.isArray(b.variables))) {
    throw new Invalid('"variables" must be an object', pointer('/variables'));
  }
  return { query: b.query, variables: b.variables ?? undefined, operationName: typeof b.operationName === 'string' ? b.operationName : undefined };
}

/** The deepest field nesting of the document's operations (fragments expanded). */
export function depthOf(document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const walk = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let max = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) max = Math.max(max, 1 + walk(s.selectionSet, seen));
      else if (s.kind === Kind.INLINE_FRAGMENT) max = Math.max(max, walk(s.selectionSet, seen));
      else if (!seen.has(s.name.value)) max = Math.max(max, walk(fragments.get(s.name.value)?.selectionSet, new Set([...seen, s.name.value])));
    }
    return max;
  };
  let depth = 0;
  for (const d of document.definitions) if (d.kind === Kind.OPERATION_DEFINITION) depth = Math.max(depth, walk(d.selectionSet, new Set()));
  return depth;
}

const answer = (body: unknown): ApiResponse => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const failed = (...errors: GraphQLError[]) => answer({ errors: errors.map((e) => e.toJSON()) });

export async function graphqlQuery(req: ApiRequest): Promise<ApiResponse> {
  const { query, variables, operationName } = readBody(req.body);
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: MAX_TOKENS });
  } catch (error) {
    return failed(error as GraphQLError);
  }
  const invalid = validate(schema, document);
  if (invalid.length > 0) return failed(...invalid);
  const depth = depthOf(document);
  if (depth > MAX_DEPTH) return failed(new GraphQLError(`the query is ${depth} fields deep; at most ${MAX_DEPTH} are allowed`));

  const contextValue: GraphQLContext = { loaders: new Loaders(req.principal), budget: { nodes: 0 } };
  const result = await execute({ schema, document, contextValue, variableValues: variables, operationName });
  for (const e of result.errors ?? []) {
    const cause = e.originalError;
    // A store outage is the service's problem (503), and a bug is a 500: neither is the query's fault.
    if (cause instanceof Unavailable) throw cause;
    if (cause && !(cause instanceof GraphQLError) && !(cause instanceof DomainError)) throw cause;
  }
  if (result.errors?.length) return answer({ data: result.data ?? null, errors: result.errors.map((e) => e.toJSON()) });
  return answer({ data: result.data });
}
