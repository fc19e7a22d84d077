/**
 * KEY DESIGN: the one table, every item type in it, and every access pattern (single-table design).
 *
 * Table: partition key `pk`, sort key `sk` (strings). On-demand, PITR, encrypted. TTL attribute: `expiresAt`.
 * Three overloaded GSIs, projection ALL, so a page of any listing is one Query with no follow-up reads:
 * GSI1 (`gsi1pk`, `gsi1sk`), GSI2 (`gsi2pk`, `gsi2sk`), GSI3 (`gsi3pk`, `gsi3sk`). <id> is a job id
 * padded to 10 digits, so sort keys order jobs by id (= by creation).
 *
 * | item                 | pk                | sk                      | GSI1                        | GSI2                          | GSI3                          |
 * |----------------------|-------------------|-------------------------|-----------------------------|-------------------------------|-------------------------------|
 * | organization         | ORG#<org>         | ORG                     | ORGS / <name lower-case>    |                               |                               |
 * | org name guard       | ORGNAME#<name lc> | ORGNAME                 |                             |                               |                               |
 * | job id counter       | ORG#<org>         | JOBSEQ                  |                             |                               |                               |
 * | team                 | ORG#<org>         | TEAM#<team>             |                             | GROUP#<group> / ORG#<org>     |                               |
 * | team name guard      | ORG#<org>         | TEAMNAME#<group>        |                             |                               |                               |
 * | template             | ORG#<org>         | TPL#<template>          |                             |                               |                               |
 * | template name guard  | ORG#<org>         | TPLNAME#<name lc>       |                             |                               |                               |
 * | job (+ its steps)    | ORG#<org>         | JOB#<id>                | WS#<ws>#JOB / <id>          | ORG#<org>#STATUS#<s> / <id>   | WS#<ws>#STATUS#<s> / <id>     |
 * | workspace (+ queue)  | WS#<ws>           | WS                      | ORG#<org>#WS / <name lc>    |                               |                               |
 * | soft-deleted ws      | WS#<ws>           | WS                      | ORG#<org>#WSDELETED / <ws>  |                               |                               |
 * | workspace name guard | ORG#<org>         | WSNAME#<name lc>        |                             |                               |                               |
 * | variable             | WS#<ws>           | VAR#<variable>          |                             |                               |                               |
 * | variable key guard   | WS#<ws>           | VARKEY#<category>#<key> |                             |                               |                               |
 * | configuration version| WS#<ws>           | CV#<time-ordered key>   |                             |                               |                               |
 * | state version        | WS#<ws>           | SV#<padded sequence>    |                             |                               |                               |
 * | current state (head) | WS#<ws>           | SVHEAD                  |                             |                               |                               |
 * | webhook              | WEBHOOK#<wh>      | WEBHOOK                 | WS#<ws>#WEBHOOK / <created>#<wh> |                          |                               |
 * | webhook event rule   | WEBHOOK#<wh>      | EVENT#<rule>            |                             |                               |                               |
 * | event rule pointer   | WEBHOOKEVENT#<rule> | WEBHOOKEVENT          |                             |                               |                               |
 * | webhook delivery     | WEBHOOK#<wh>      | DELIVERY#<delivery key> | (TTL: expiresAt, 7 days)    |                               |                               |
 * | schedule             | SCHEDULE#<sc>     | SCHEDULE                | WS#<ws>#SCHEDULE / <created>#<sc> | SCHEDULES / <sc>        |                               |
 * | schedule fire        | SCHEDULE#<sc>     | FIRE#<fire time ISO>    | (TTL: expiresAt, 2 days)    |                               |                               |
 * | live connection      | LIVE#<conn>       | CONN                    | (TTL: expiresAt, 3 hours)   |                               |                               |
 * | live subscription    | LIVE#<conn>       | SUB#<subscription id>   | FEED#<WS|ORG>#<id> / <conn>#<sub> (TTL: expiresAt) |        |                               |
 *
 * The job id counter holds `lastJobId` (ids reserved, by atomic ADD) and `committedJobId` (the commit
 * watermark: each creation moves it from its id-1 to its id in the transaction that writes the job, so
 * jobs commit — and join their workspace queue — in id order), plus `abandonedJobIds`: ids whose creation
 * failed after reserving them, which the next creation moves the watermark past in one write (see
 * jobs/commit-watermark.ts).
 *
 * The organization item also carries `teams`: group name -> permission flags. It is written in the same
 * transaction as the team items, so authorizing any request in an organization is one read of one item.
 * The workspace item also holds the ids of its variables and webhooks (string sets `variableIds`,
 * `webhookIds`) and a webhook item those of its event rules (`eventIds`), each written in the
 * transaction that creates or deletes the member, so every read of the parent has its full linkage.
 * A soft-deleted workspace (PATCH deleted) keeps its item and partition for its jobs' record but leaves
 * ORG#<org>#WS and gives up its name guard. An event rule's pointer item names its webhook, so
 * /webhook_event/{id} is two key reads.
 * Steps live inside their job item (a flow has a handful of steps), so a job and its steps are one read
 * and one conditional write. Guards ("name guard") make names unique: they are put with
 * attribute_not_exists in the same transaction as the item they protect. A job's GSI2/GSI3 partition keys
 * are rewritten with every status change (indexes.jobStatus), so the status indexes follow the job.
 *
 * | access pattern                                | operation                                                            |
 * |-----------------------------------------------|----------------------------------------------------------------------|
 * | authorize a request in an organization        | GetItem ORG#<org>/ORG (batched with the target item)                 |
 * | list organizations (admin)                    | Query GSI1 gsi1pk=ORGS                                               |
 * | list my organizations                         | Query GSI2 gsi2pk=GROUP#<g> per token group, BatchGet the orgs       |
 * | get/update/delete org, team, template, job    | GetItem / UpdateItem / TransactWrite on pk=ORG#<org>                 |
 * | list teams / templates of an org              | Query pk=ORG#<org>, sk begins_with TEAM# / TPL#                      |
 * | list jobs of an org, newest first             | Query pk=ORG#<org>, sk between JOB#<lo> and JOB#<hi>, descending     |
 * | list jobs of a workspace, newest first        | Query GSI1 gsi1pk=WS#<ws>#JOB, descending                            |
 * | list jobs of an org with status s             | Query GSI2 gsi2pk=ORG#<org>#STATUS#<s>, descending (one per status)  |
 * | list jobs of a workspace with status s        | Query GSI3 gsi3pk=WS#<ws>#STATUS#<s>, descending (one per status)    |
 * | next / previous page of any job listing       | the same Query, its sort key bounded by the page's last / first id   |
 * | count matching jobs (page[totals])            | the same Queries with Select=COUNT                                   |
 * | list workspaces of an org                     | Query GSI1 gsi1pk=ORG#<org>#WS                                       |
 * | get a workspace by id (v1.3 paths: no org)    | GetItem WS#<ws>/WS                                                   |
 * | list variables of a workspace                 | Query pk=WS#<ws>, sk begins_with VAR#                                |
 * | a workspace with its variables (run context)  | Query pk=WS#<ws>, sk >= VAR# (VAR#…, VARKEY#…, WS)                   |
 * | current state version of a workspace          | GetItem WS#<ws>/SVHEAD (holds a copy of the current version)         |
 * | state history of a workspace, newest first    | Query pk=WS#<ws>, sk begins_with SV#, descending                     |
 * | a configuration version / a state version     | GetItem WS#<ws>/CV#<key> / SV#<seq> (their TFE ids carry <ws>)       |
 * | latest configuration version of a workspace   | Query pk=WS#<ws>, sk begins_with CV#, descending                     |
 * | create a job                                  | BatchGet org+workspace+template; UpdateItem ADD on the id counter;   |
 * |                                               | TransactWrite the job + its join to the workspace queue (no conflicts) |
 * | delete an organization's items                | Query pk=ORG#<org> (keys only), BatchWrite deletes                   |
 * | list webhooks of a workspace                  | Query GSI1 gsi1pk=WS#<ws>#WEBHOOK                                    |
 * | find a team/template/workspace/org by name    | GetItem of its name guard (owner = the id), then GetItem of the item |
 * | any list page (teams, templates, variables …) | one Query of its partition, Limit 501, ExclusiveStartKey = the cursor |
 * | get a webhook event by its id alone           | GetItem WEBHOOKEVENT#<rule>, then BatchGet the rule and its scope     |
 * | list a webhook's event rules                  | Query pk=WEBHOOK#<wh>, sk begins_with EVENT#                         |
 * | receive a delivery (webhook + all its rules)  | Query pk=WEBHOOK#<wh>, sk >= EVENT# (skips DELIVERY#), then a        |
 * |                                               | TransactWrite: conditional Put of DELIVERY#<key> and of its body guard |
 * |                                               | DELIVERY#digest:<sha256 of the raw body> (owner = the delivery key)   |
 * | process a delivery                            | UpdateItem claim DELIVERY#<key>, create the job, UpdateItem processed |
 * | delete a webhook / a workspace's webhooks     | Query pk=WEBHOOK#<wh> (keys only) / GSI1 WS#<ws>#WEBHOOK, BatchWrite |
 * | list / get a workspace's schedules            | Query GSI1 gsi1pk=WS#<ws>#SCHEDULE / GetItem SCHEDULE#<sc>/SCHEDULE  |
 * | fire a schedule at time t                     | GetItem SCHEDULE#<sc>/SCHEDULE; create the job with, in its          |
 * |                                               | transaction, a Put of SCHEDULE#<sc>/FIRE#<t> if absent (exactly once)|
 * | arm every schedule (`npm start` only)         | Query GSI2 gsi2pk=SCHEDULES                                          |
 * | a WebSocket connection's caller (AWS)         | GetItem LIVE#<conn>/CONN                                             |
 * | subscribers of a job's workspace / org (AWS)  | Query GSI1 gsi1pk=FEED#WS#<ws> and FEED#ORG#<org> (the stream fan-out) |
 * | drop a connection and its subscriptions       | Query pk=LIVE#<conn> (keys only), BatchWrite deletes                 |
 *
 * Webhooks live in a partition of their own because the receiver knows only the webhook id
 * (`/webhook/v1/{id}`): one strongly consistent Query reads the webhook and every rule of it.
 * Deliveries share that partition (so deleting a webhook removes them) under DELIVERY#, which sorts
 * before EVENT#, so the receiver's Query never reads them. How delivery records make each delivery
 * start at most one job is told in repositories/deliveries.ts.
 *
 * The store around this file: each aggregate has one repository in repositories/ (organizations,
 * teams, templates, workspaces, variables, workspace-queue, jobs, job-ids, job-search, webhooks,
 * webhook-events, deliveries, schedules) that owns its keys, queries, condition expressions and transaction items,
 * and hands out `Ref`s (what to read) and write plans (what to write); repositories/batch.ts reads refs
 * of several aggregates in one request and executes merged plans in one transaction. table.ts and
 * writes.ts are the only code that sends requests. The job search planner (jobs/search/plan.ts) reads
 * `partitions` to pick the index a search runs on.
 */
import type { IndexName } from './table-schema';

export interface Key {
  pk: string;
  sk: string;
}

const lc = (s: string) => s.toLowerCase();
export const padJobId = (id: number): string => String(id).padStart(10, '0');

export const keys = {
  organization: (org: string): Key => ({ pk: `ORG#${org}`, sk: 'ORG' }),
  organizationName: (name: string): Key => ({ pk: `ORGNAME#${lc(name)}`, sk: 'ORGNAME' }),
  jobCounter: (org: string): Key => ({ pk: `ORG#${org}`, sk: 'JOBSEQ' }),
  team: (org: string, team: string): Key => ({ pk: `ORG#${org}`, sk: `TEAM#${team}` }),
  teamName: (org: string, name: string): Key => ({ pk: `ORG#${org}`, sk: `TEAMNAME#${name}` }),
  template: (org: string, template: string): Key => ({ pk: `ORG#${org}`, sk: `TPL#${template}` }),
  templateName: (org: string, name: string): Key => ({ pk: `ORG#${org}`, sk: `TPLNAME#${lc(name)}` }),
  job: (org: string, job: number): Key => ({ pk: `ORG#${org}`, sk: `JOB#${padJobId(job)}` }),
  workspace: (ws: string): Key => ({ pk: `WS#${ws}`, sk: 'WS' }),
  workspaceName: (org: string, name: string): Key => ({ pk: `ORG#${org}`, sk: `WSNAME#${lc(name)}` }),
  variable: (ws: string, variable: string): Key => ({ pk: `WS#${ws}`, sk: `VAR#${variable}` }),
  variableKey: (ws: string, category: string, key: string): Key => ({ pk: `WS#${ws}`, sk: `VARKEY#${category}#${key}` }),
  configurationVersion: (ws: string, key: string): Key => ({ pk: `WS#${ws}`, sk: `CV#${key}` }),
  stateVersion: (ws: string, sequence: number): Key => ({ pk: `WS#${ws}`, sk: `SV#${padJobId(sequence)}` }),
  stateHead: (ws: string): Key => ({ pk: `WS#${ws}`, sk: 'SVHEAD' }),
  webhook: (wh: string): Key => ({ pk: `WEBHOOK#${wh}`, sk: 'WEBHOOK' }),
  webhookEvent: (wh: string, rule: string): Key => ({ pk: `WEBHOOK#${wh}`, sk: `EVENT#${rule}` }),
  webhookDelivery: (wh: string, deliveryKey: string): Key => ({ pk: `WEBHOOK#${wh}`, sk: `DELIVERY#${deliveryKey}` }),
  webhookEventPointer: (rule: string): Key => ({ pk: `WEBHOOKEVENT#${rule}`, sk: 'WEBHOOKEVENT' }),
  schedule: (sc: string): Key => ({ pk: `SCHEDULE#${sc}`, sk: 'SCHEDULE' }),
  scheduleFire: (sc: string, fireTime: string): Key => ({ pk: `SCHEDULE#${sc}`, sk: `FIRE#${fireTime}` }),
  /** The API Gateway WebSocket API's connections (the live status feed in AWS) and their subscriptions. */
  liveConnection: (conn: string): Key => ({ pk: `LIVE#${conn}`, sk: 'CONN' }),
  liveSubscription: (conn: string, sub: string): Key => ({ pk: `LIVE#${conn}`, sk: `SUB#${sub}` }),
};

/** Sort key prefixes of the item types that share a partition. */
export const prefixes = {
  team: 'TEAM#',
  template: 'TPL#',
  job: 'JOB#',
  variable: 'VAR#',
  configurationVersion: 'CV#',
  stateVersion: 'SV#',
  webhookEvent: 'EVENT#',
  webhookDelivery: 'DELIVERY#',
};

/**
 * Every partition a Query reads: the key attribute and its value, the index that holds it (none: the
 * table), and for job listings the sort key attribute and the prefix before the padded job id.
 */
export interface Partition {
  index?: IndexName;
  pk: [attribute: string, value: string];
  sk?: [attribute: string, prefix: string];
}

export const partitions = {
  /** Everything keyed by the organization: its item, teams, templates, guards, counter and jobs. */
  organization: (org: string): Partition => ({ pk: ['pk', `ORG#${org}`] }),
  /** Everything keyed by the workspace: its item, variables and their guards, configuration and state versions. */
  workspace: (ws: string): Partition => ({ pk: ['pk', `WS#${ws}`] }),
  /** A webhook, its event rules and its delivery records. */
  webhook: (wh: string): Partition => ({ pk: ['pk', `WEBHOOK#${wh}`] }),
  /** A schedule and the fire times it created jobs at. */
  schedule: (sc: string): Partition => ({ pk: ['pk', `SCHEDULE#${sc}`] }),
  schedulesOfWorkspace: (ws: string): Partition => ({ index: 'gsi1', pk: ['gsi1pk', `WS#${ws}#SCHEDULE`] }),
  /** Every schedule of the service: read once when `npm start` arms its timers (never on a request). */
  schedules: (): Partition => ({ index: 'gsi2', pk: ['gsi2pk', 'SCHEDULES'] }),
  organizations: (): Partition => ({ index: 'gsi1', pk: ['gsi1pk', 'ORGS'] }),
  teamsOfGroup: (group: string): Partition => ({ index: 'gsi2', pk: ['gsi2pk', `GROUP#${group}`] }),
  workspacesOfOrganization: (org: string): Partition => ({ index: 'gsi1', pk: ['gsi1pk', `ORG#${org}#WS`] }),
  deletedWorkspacesOfOrganization: (org: string): Partition => ({ index: 'gsi1', pk: ['gsi1pk', `ORG#${org}#WSDELETED`] }),
  webhooksOfWorkspace: (ws: string): Partition => ({ index: 'gsi1', pk: ['gsi1pk', `WS#${ws}#WEBHOOK`] }),
  jobsOfOrganization: (org: string): Partition => ({ pk: ['pk', `ORG#${org}`], sk: ['sk', prefixes.job] }),
  jobsOfWorkspace: (ws: string): Partition => ({ index: 'gsi1', pk: ['gsi1pk', `WS#${ws}#JOB`], sk: ['gsi1sk', ''] }),
  jobsOfOrganizationWithStatus: (org: string, status: string): Partition => ({
    index: 'gsi2',
    pk: ['gsi2pk', `ORG#${org}#STATUS#${status}`],
    sk: ['gsi2sk', ''],
  }),
  jobsOfWorkspaceWithStatus: (ws: string, status: string): Partition => ({ index: 'gsi3', pk: ['gsi3pk', `WS#${ws}#STATUS#${status}`], sk: ['gsi3sk', ''] }),
  /** A connection and its subscriptions. */
  liveConnection: (conn: string): Partition => ({ pk: ['pk', `LIVE#${conn}`] }),
  /** The subscriptions of one feed (a workspace's or an organization's job statuses). */
  subscribersOf: (feed: 'WS' | 'ORG', id: string): Partition => ({ index: 'gsi1', pk: ['gsi1pk', `FEED#${feed}#${id}`] }),
};

const value = (p: Partition) => p.pk[1];

/** Index attributes each item type carries: its place in the partitions above. */
export const indexes = {
  organization: (name: string) => ({ gsi1pk: value(partitions.organizations()), gsi1sk: lc(name) }),
  team: (org: string, group: string) => ({ gsi2pk: value(partitions.teamsOfGroup(group)), gsi2sk: `ORG#${org}` }),
  workspace: (org: string, name: string) => ({ gsi1pk: value(partitions.workspacesOfOrganization(org)), gsi1sk: lc(name) }),
  deletedWorkspace: (org: string, ws: string) => ({ gsi1pk: value(partitions.deletedWorkspacesOfOrganization(org)), gsi1sk: ws }),
  job: (org: string, ws: string, job: number, status: string) => ({
    gsi1pk: value(partitions.jobsOfWorkspace(ws)),
    gsi1sk: padJobId(job),
    gsi2sk: padJobId(job),
    gsi3sk: padJobId(job),
    ...indexes.jobStatus(org, ws, status),
  }),
  /** Written with every status change, so the status indexes follow the job. */
  jobStatus: (org: string, ws: string, status: string) => ({
    gsi2pk: value(partitions.jobsOfOrganizationWithStatus(org, status)),
    gsi3pk: value(partitions.jobsOfWorkspaceWithStatus(ws, status)),
  }),
  webhook: (ws: string, createdDate: string, wh: string) => ({ gsi1pk: value(partitions.webhooksOfWorkspace(ws)), gsi1sk: `${createdDate}#${wh}` }),
  liveSubscription: (feed: 'WS' | 'ORG', id: string, conn: string, sub: string) => ({ gsi1pk: value(partitions.subscribersOf(feed, id)), gsi1sk: `${conn}#${sub}` }),
  schedule: (ws: string, createdDate: string, sc: string) => ({
    gsi1pk: value(partitions.schedulesOfWorkspace(ws)),
    gsi1sk: `${createdDate}#${sc}`,
    gsi2pk: value(partitions.schedules()),
    gsi2sk: sc,
  }),
};

export const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk'] as const;
