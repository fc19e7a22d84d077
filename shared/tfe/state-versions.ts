/**
 * State versions in the TFE API: the workspace's current state (which `terraform output`, `state list`
 * and local operations read), its outputs, and new versions the CLI uploads (local execution, `state
 * push`). Bodies never pass through the API: uploads go to the version's upload URLs, and a download
 * answers 302 to a URL of the store (terraform drops its token on the redirect to another host, which
 * S3 needs).
 */
import { Invalid, NotFound, attribute } from '../domain/errors';
import { MAX_STATE_BYTES, parseStateVersionId, type StateVersionRecord } from '../domain/versions';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import type { ResourceObject } from '../http/jsonapi';
import { ok } from '../resources/common';
import { createUploadedStateVersion, finalizeUploaded, readOutputs } from '../state/state-versions';
import { stateHeadRef, stateVersionRef } from '../store/repositories/state-versions';
import { artifactStore } from '../wiring';
import { attr, isBool, isText, many, one, readTfeDocument, tfeDocument, tfeList } from './documents';
import { outputTfeId, parseOutputTfeId, runTfeId, workspaceTfeId } from './ids';
import { TFE_BASE } from './organizations';
import { requireTfe } from './permissions';
import { workspaceById, workspaceOf } from './scope';

const URL_SECONDS = 3600;

async function stateVersionResource(req: ApiRequest, sv: StateVersionRecord, uploads: boolean): Promise<ResourceObject> {
  const store = artifactStore();
  const pending = sv.status === 'pending';
  const upload = async (path: string | undefined) =>
    uploads && pending && path ? store.uploadUrl(store.ref(path), { baseUrl: req.baseUrl, expiresInSeconds: URL_SECONDS, maxBytes: MAX_STATE_BYTES }) : null;
  const outputs = sv.status === 'finalized' ? await readOutputs(sv) : [];
  return {
    type: 'state-versions',
    id: sv.id,
    attributes: {
      'created-at': sv.createdDate,
      serial: sv.serial,
      lineage: sv.lineage,
      md5: sv.md5,
      size: sv.size ?? null,
      status: sv.status,
      'state-version': sv.sequence,
      'terraform-version': sv.terraformVersion,
      'resources-processed': true,
      'vcs-commit-sha': null,
      'vcs-commit-url': null,
      'hosted-state-download-url': pending ? null : `${req.baseUrl}${TFE_BASE}/state-versions/${sv.id}/download`,
      'hosted-json-state-download-url': pending || !sv.jsonState ? null : `${req.baseUrl}${TFE_BASE}/state-versions/${sv.id}/download-json`,
      'hosted-state-upload-url': await upload(sv.state),
      'hosted-json-state-upload-url': await upload(sv.jsonState),
    },
    relationships: {
      run: one('runs', sv.jobId !== undefined ? runTfeId(sv.organizationId, sv.jobId) : null),
      workspace: one('workspaces', workspaceTfeId(sv.workspaceId)),
      outputs: many(
        'state-version-outputs',
        outputs.map((_, i) => outputTfeId(sv.workspaceId, sv.sequence, i)),
      ),
    },
    links: { self: `${TFE_BASE}/state-versions/${sv.id}` },
  };
}

const notFound = (id: string) => new NotFound(`state version ${id} does not exist`);

/** The version named in the path, for a member of its workspace's organization. */
async function readVersion(req: ApiRequest): Promise<StateVersionRecord> {
  const id = req.params.stateVersionId ?? '';
  const ids = parseStateVersionId(id);
  if (!ids) throw notFound(id);
  const { refs } = await workspaceOf(req.principal, ids.workspaceId, (ws) => ({ sv: stateVersionRef(ws, ids.sequence) }), id);
  if (!refs.sv) throw notFound(id);
  return refs.sv;
}

/** terraform reads it after its uploads: that is when an uploaded version becomes current. */
export async function get(req: ApiRequest): Promise<ApiResponse> {
  const sv = await finalizeUploaded(await readVersion(req));
  return ok(tfeDocument(await stateVersionResource(req, sv, true)));
}

/** 404 means "no state yet" to terraform. */
export async function current(req: ApiRequest): Promise<ApiResponse> {
  const { refs } = await workspaceById(req.principal, req.params.workspaceTfeId ?? '', (ws) => ({ head: stateHeadRef(ws) }));
  const sv = refs.head?.current;
  if (!sv) throw new NotFound('the workspace has no state yet');
  return ok(tfeDocument(await stateVersionResource(req, sv, false)));
}

async function redirectTo(req: ApiRequest, path: string | undefined): Promise<ApiResponse> {
  if (!path) throw new NotFound('this state version has no such rendering');
  const store = artifactStore();
  const url = await store.downloadUrl(store.ref(path), { baseUrl: req.baseUrl, expiresInSeconds: 300 });
  return { status: 302, headers: { location: url } };
}

export async function download(req: ApiRequest): Promise<ApiResponse> {
  const sv = await readVersion(req);
  if (sv.status !== 'finalized') throw new NotFound(`state version ${sv.id} has no state (it is ${sv.status})`);
  return redirectTo(req, sv.state);
}

/**
 * GET /tfstate/v1/organization/{orgId}/workspace/{workspaceId}/state/terraform.tfstate: the workspace's
 * current raw state, where the Terrakube UI reads resources and outputs when a history entry's JSON
 * has none (ui/src/modules/workspaces/workspaceDataUtils.ts). A redirect to the store, as the TFE download.
 */
export async function currentStateFile(req: ApiRequest): Promise<ApiResponse> {
  const id = req.params.workspaceId ?? '';
  const { workspace, refs } = await workspaceOf(req.principal, id, (ws) => ({ head: stateHeadRef(ws) }));
  const sv = refs.head?.current;
  if (workspace.organizationId !== req.params.orgId || !sv) throw new NotFound('the workspace has no state yet');
  return redirectTo(req, sv.state);
}

export async function downloadJson(req: ApiRequest): Promise<ApiResponse> {
  const sv = await readVersion(req);
  if (sv.status !== 'finalized' || !sv.jsonState || !(await artifactStore().stat(artifactStore().ref(sv.jsonState)))) throw new NotFound(`state version ${sv.id} has no JSON state`);
  return redirectTo(req, sv.jsonState);
}

/** Local execution and `state push`: a new version, checked against the current one, to be uploaded. */
export async function create(req: ApiRequest): Promise<ApiResponse> {
  const input = readTfeDocument(req.body, 'state-versions');
  const serial = input.attributes.serial;
  if (typeof serial !== 'number' || !Number.isSafeInteger(serial) || serial < 0) throw new Invalid('serial must be a whole number', attribute('serial'));
  const md5 = attr(input, 'md5', isText, 'the hex MD5 of the state', '');
  const lineage = attr(input, 'lineage', isText, 'a string', '');
  const force = attr(input, 'force', isBool, 'true or false', false);
  const jsonStateOutputs = attr(input, 'json-state-outputs', isText, 'base64 of a JSON object', undefined as string | undefined);
  if (input.attributes.state !== undefined) throw new Invalid('send the state to the version\'s hosted-state-upload-url, not inline', attribute('state'));
  const { org, workspace } = await workspaceById(req.principal, req.params.workspaceTfeId ?? '');
  requireTfe(req.principal, org, 'writeState', 'writing the state');
  const sv = await createUploadedStateVersion(
    workspace,
    { serial, md5, lineage, force, jsonStateOutputs, terraformVersion: req.headers['terraform-version'] ?? null },
    req.principal.email,
  );
  return { status: 201, body: tfeDocument(await stateVersionResource(req, sv, true)) };
}

function outputResource(sv: StateVersionRecord, index: number, o: { name: string; value: unknown; type: unknown; sensitive: boolean }, revealed: boolean): ResourceObject {
  return {
    type: 'state-version-outputs',
    id: outputTfeId(sv.workspaceId, sv.sequence, index),
    // `detailed-type` is what terraform decodes values with (an attribute named `type` is not valid JSON:API).
    attributes: { name: o.name, sensitive: o.sensitive, value: o.sensitive && !revealed ? null : o.value, 'detailed-type': o.type },
  };
}

/** `terraform output`: the current state's outputs; sensitive values only through the output itself. */
export async function currentOutputs(req: ApiRequest): Promise<ApiResponse> {
  const { refs } = await workspaceById(req.principal, req.params.workspaceTfeId ?? '', (ws) => ({ head: stateHeadRef(ws) }));
  const sv = refs.head?.current;
  if (!sv) return ok(tfeList([]));
  const outputs = await readOutputs(sv);
  return ok(tfeList(outputs.map((o, i) => outputResource(sv, i, o, false))));
}

export async function getOutput(req: ApiRequest): Promise<ApiResponse> {
  const id = req.params.outputId ?? '';
  const ids = parseOutputTfeId(id);
  const missing = new NotFound(`state version output ${id} does not exist`);
  if (!ids) throw missing;
  const { refs } = await workspaceOf(req.principal, ids.workspaceId, (ws) => ({ sv: stateVersionRef(ws, ids.sequence) }), id);
  if (!refs.sv) throw missing;
  const output = (await readOutputs(refs.sv))[ids.index];
  if (!output) throw missing;
  return ok(tfeDocument(outputResource(refs.sv, ids.index, output, true)));
}
