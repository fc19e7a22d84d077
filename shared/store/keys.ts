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
 * | workspace name guard | ORG#<org>         | WSNAME#<name lc>        |                             |                               |                               |
 * | variable             | WS#<ws>           | VAR#<variable>          |                             |                               |                               |
 * | variable key guard   | WS#<ws>           | VARKEY#<category>#<key> |                             |                               |                               |
 *
 * The organization item also carries `teams`: group name -> permission flags. It is written in the same
 * transaction as the team items, so authorizing any request in an organization is one read of one item.
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
 * | create a job                                  | BatchGet org+counter+workspace+template, TransactWrite counter+job+queue |
 * | delete an organization's items                | Query pk=ORG#<org> (keys only), BatchWrite deletes                   |
 */

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
};

/** Index attributes each item type carries. */
export const indexes: {
  organization: (name: string) => Record<string, string>;
  team: (org: string, group: string) => Record<string, string>;
  workspace: (org: string, name: string) => Record<string, string>;
  job: (org: string, ws: string, job: number, status: string) => Record<string, string>;
  jobStatus: (org: string, ws: string, status: string) => Record<string, string>;
} = {
  organization: (name: string) => ({ gsi1pk: 'ORGS', gsi1sk: lc(name) }),
  team: (org: string, group: string) => ({ gsi2pk: `GROUP#${group}`, gsi2sk: `ORG#${org}` }),
  workspace: (org: string, name: string) => ({ gsi1pk: `ORG#${org}#WS`, gsi1sk: lc(name) }),
  job: (org: string, ws: string, job: number, status: string) => ({
    gsi1pk: `WS#${ws}#JOB`,
    gsi1sk: padJobId(job),
    gsi2sk: padJobId(job),
    gsi3sk: padJobId(job),
    ...indexes.jobStatus(org, ws, status),
  }),
  /** Written with every status change, so the status indexes follow the job. */
  jobStatus: (org: string, ws: string, status: string) => ({ gsi2pk: `ORG#${org}#STATUS#${status}`, gsi3pk: `WS#${ws}#STATUS#${status}` }),
};

export const prefixes = {
  team: 'TEAM#',
  template: 'TPL#',
  job: 'JOB#',
  variable: 'VAR#',
};

export const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk'] as const;
