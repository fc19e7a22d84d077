/** Templates (ORG#<org>/TPL#<template>) and their name guards (TPLNAME#<name lower-case>, owner = the template id). */
import { NotFound } from '../../domain/errors';
import type { TemplateRecord } from '../../domain/records';
import { keys, partitions, prefixes } from '../keys';
import { read, readPartition, ref, type Ref } from '../table';
import { conditions, put, remove, update, type WritePlan } from '../writes';
import { changedMeanwhile, nameGuard, unchanged, type NameGuardRecord } from './guards';

export const templateRef = (org: string, id: string): Ref<TemplateRecord> => ref(keys.template(org, id));

/** The id of the organization's template with this name (case-insensitive): its name guard's owner. */
export const templateIdByNameRef = (org: string, name: string): Ref<string> =>
  ref(keys.templateName(org, name), (item) => (item as unknown as NameGuardRecord).owner);

export const getTemplate = (org: string, id: string) => read(templateRef(org, id));

export async function listTemplates(org: string): Promise<TemplateRecord[]> {
  const items = await readPartition(partitions.organization(org), { prefix: prefixes.template });
  return items.map((i) => templateRef(org, '').decode(i)).sort((a, b) => a.name.localeCompare(b.name));
}

/** An organization's templates, a page per Query, by name within a page. */
export const templateCollection = (org: string) => ({
  partition: partitions.organization(org),
  prefix: prefixes.template,
  decode: templateRef(org, '').decode,
  order: (a: TemplateRecord, b: TemplateRecord) => a.name.localeCompare(b.name),
});

const nameOf = (t: Pick<TemplateRecord, 'organizationId' | 'id' | 'name'>) =>
  nameGuard(keys.templateName(t.organizationId, t.name), t.id, `a template named '${t.name}'`);

/** `what` names the template in the conflict (the default templates of a new organization say it differently). */
export function planCreateTemplate(t: TemplateRecord, what = `a template named '${t.name}'`): WritePlan {
  return [put({ ...keys.template(t.organizationId, t.id), ...t }, conditions.absent), nameGuard(keys.templateName(t.organizationId, t.name), t.id, what)];
}

export function planUpdateTemplate(before: TemplateRecord, changes: Partial<TemplateRecord>): WritePlan {
  const renamed = changes.name !== undefined && changes.name.toLowerCase() !== before.name.toLowerCase();
  return [
    update(keys.template(before.organizationId, before.id), changes, { condition: unchanged({ name: before.name }) }, changedMeanwhile('template')),
    ...(renamed ? [remove(keys.templateName(before.organizationId, before.name)), nameOf({ ...before, name: changes.name as string })] : []),
  ];
}

export function planDeleteTemplate(t: TemplateRecord): WritePlan {
  return [
    remove(keys.template(t.organizationId, t.id), conditions.exists, () => new NotFound(`template ${t.id} does not exist`)),
    remove(keys.templateName(t.organizationId, t.name)),
  ];
}
