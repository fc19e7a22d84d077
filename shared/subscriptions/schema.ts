/**
 * The live status feed's GraphQL schema, as Terrakube's server declares it (api subscriptions.graphqls):
 * `jobStatusChanged(workspaceId)` and `organizationJobStatusChanged(organizationId)`, each event a
 * `JobStatusEvent { jobId workspaceId status }`. The same schema validates a subscription (locally in
 * graphql-ws, in AWS in the message function) and renders each event for the selection the client
 * asked for: an event is the operation's root value, and the field resolves to it.
 */
import {
  GraphQLBoolean,
  GraphQLError,
  GraphQLID,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  execute,
  getOperationAST,
  parse,
  validate,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values.js';
import type { JobStatusChange } from '../store/writes';

/** What a subscription watches: one workspace's jobs, or every job of one organization. */
export type Feed = { kind: 'workspace'; id: string } | { kind: 'organization'; id: string };

export const FEED_FIELDS = { jobStatusChanged: 'workspace', organizationJobStatusChanged: 'organization' } as const;
type FeedField = keyof typeof FEED_FIELDS;
const ARGUMENT: Record<Feed['kind'], string> = { workspace: 'workspaceId', organization: 'organizationId' };

export const MAX_SUBSCRIPTION_TOKENS = 500;

/** Opens the event source of a feed (locally: the in-process feed, after the caller's access was checked). */
export interface FeedContext {
  open(feed: Feed): Promise<AsyncIterable<JobStatusChange>>;
}

const JobStatusEvent = new GraphQLObjectType<JobStatusChange>({
  name: 'JobStatusEvent',
  fields: {
    jobId: { type: new GraphQLNonNull(GraphQLInt) },
    workspaceId: { type: new GraphQLNonNull(GraphQLID) },
    organizationId: { type: new GraphQLNonNull(GraphQLID) },
    status: { type: new GraphQLNonNull(GraphQLString) },
  },
});

const feedField = (field: FeedField) => ({
  type: new GraphQLNonNull(JobStatusEvent),
  args: { [ARGUMENT[FEED_FIELDS[field]]]: { type: new GraphQLNonNull(GraphQLID) } },
  subscribe: (_: unknown, args: Record<string, string>, context: FeedContext) =>
    context.open({ kind: FEED_FIELDS[field], id: String(args[ARGUMENT[FEED_FIELDS[field]]]) } as Feed),
  resolve: (event: JobStatusChange) => event,
});

export const subscriptionSchema = new GraphQLSchema({
  // GraphQL requires a query type; Terrakube's reads are served over HTTP (POST /graphql/api/v1).
  query: new GraphQLObjectType({ name: 'Query', fields: { live: { type: GraphQLBoolean, resolve: () => true } } }),
  subscription: new GraphQLObjectType({ name: 'Subscription', fields: { jobStatusChanged: feedField('jobStatusChanged'), organizationJobStatusChanged: feedField('organizationJobStatusChanged') } }),
});

/** A subscription a client asked for, checked against the schema: its feed and what renders its events. */
export interface ParsedSubscription {
  feed: Feed;
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** Parses and validates a `subscribe` payload; GraphQL errors when it is not one feed subscription. */
export function parseSubscription(payload: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null }): ParsedSubscription | GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: MAX_SUBSCRIPTION_TOKENS });
  } catch (error) {
    return [error as GraphQLError];
  }
  const invalid = validate(subscriptionSchema, document);
  if (invalid.length > 0) return [...invalid];
  const operation = getOperationAST(document, payload.operationName ?? undefined);
  if (!operation || operation.operation !== 'subscription') return [new GraphQLError('only subscriptions are served here: jobStatusChanged or organizationJobStatusChanged')];
  // Validation (SingleFieldSubscriptionsRule) leaves exactly one root field.
  const node = operation.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD) as FieldNode;
  const field = node.name.value as FeedField;
  const definition = subscriptionSchema.getSubscriptionType()?.getFields()[field];
  if (!definition || !(field in FEED_FIELDS)) return [new GraphQLError(`unknown subscription ${field}`)];
  try {
    const args = getArgumentValues(definition, node, payload.variables ?? {});
    const kind = FEED_FIELDS[field];
    return {
      feed: { kind, id: String(args[ARGUMENT[kind]]) } as Feed,
      query: payload.query,
      ...(payload.variables ? { variables: payload.variables } : {}),
      ...(payload.operationName ? { operationName: payload.operationName } : {}),
    };
  } catch (error) {
    return [error as GraphQLError];
  }
}

/** Whether a job status change belongs to a feed. */
export const inFeed = (feed: Feed, change: JobStatusChange): boolean =>
  feed.kind === 'workspace' ? change.workspaceId === feed.id : change.organizationId === feed.id;

/** One event as the subscriber selected it (the `payload` of a graphql-ws `next` message). */
export function renderEvent(subscription: Pick<ParsedSubscription, 'query' | 'variables' | 'operationName'>, change: JobStatusChange): ExecutionResult {
  const result = execute({
    schema: subscriptionSchema,
    document: parse(subscription.query),
    rootValue: change,
    variableValues: subscription.variables,
    operationName: subscription.operationName,
    fieldResolver: (source: JobStatusChange, _args, _ctx, info) => (info.parentType.name === 'Subscription' ? source : (source as unknown as Record<string, unknown>)[info.fieldName]),
  });
  return result as ExecutionResult;
}
