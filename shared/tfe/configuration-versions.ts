/**
 * Configuration versions: `terraform plan/apply` creates one, PUTs its working directory (.tar.gz) to
 * the upload URL (an S3 presigned PUT in AWS, a signed URL of `npm start` locally: the body never
 * passes through the API), then polls until the version is `uploaded` (terraform waits 30 s at most).
 * A version becomes uploaded when a read finds the archive in the store, within the size limit.
 */
import { Conflict, Invalid, attribute } from '../domain/errors';
import {
  MAX_CONFIGURATION_BYTES,
  configurationVersionId,
  newConfigurationKey,
  parseConfigurationVersionId,
  type ConfigurationVersionRecord,
} from '../domain/versions';
import type { ApiRequest, ApiResponse } from '../http/api-handler';
import type { ResourceObject } from '../http/jsonapi';
import { ok } from '../resources/common';
import { artifactPaths } from '../runs/artifact-paths';
import { commit, ConditionFailed } from '../store/repositories/batch';
import {
  configurationNotFound,
  configurationVersionRef,
  getConfigurationVersion,
  planConfigurationUploadChecked,
  planPutConfigurationVersion,
} from '../store/repositories/configuration-versions';
import { artifactStore } from '../wiring';
import { attr, isBool, one, readTfeDocument, tfeDocument } from './documents';
import { TFE_BASE } from './organizations';
import { requireTfe } from './permissions';
import { workspaceById, workspaceOf } from './scope';

/** terraform uploads right after creating the version; an hour is plenty, and the URL is single-purpose. */
const UPLOAD_URL_SECONDS = 3600;

export async function configurationResource(req: ApiRequest, cv: ConfigurationVersionRecord, withUploadUrl: boolean): Promise<ResourceObject> {
  const store = artifactStore();
  const uploadUrl =
    withUploadUrl && cv.status === 'pending'
      ? await store.uploadUrl(store.ref(cv.archive), { baseUrl: req.baseUrl, expiresInSeconds: UPLOAD_URL_SECONDS, maxBytes: MAX_CONFIGURATION_BYTES })
      : undefined;
  return {
    type: 'configuration-versions',
    id: cv.id,
    attributes: {
      'auto-queue-runs': false,
      error: cv.error ? 'upload_refused' : null,
      'error-message': cv.error ?? null,
      source: 'tfe-api',
      speculative: cv.speculative,
      provisional: false,
      status: cv.status,
      'status-timestamps': { 'queued-at': cv.createdDate, ...(cv.uploadedDate ? { [cv.status === 'errored' ? 'errored-at' : 'uploaded-at']: cv.uploadedDate } : {}) },
      ...(uploadUrl ? { 'upload-url': uploadUrl } : {}),
    },
    relationships: { 'ingress-attributes': one('ingress-attributes', null) },
    links: { self: `${TFE_BASE}/configuration-versions/${cv.id}`, ...(uploadUrl ? { upload: uploadUrl } : {}) },
  };
}

export async function create(req: ApiRequest): Promise<ApiResponse> {
  const input = readTfeDocument(req.body, 'configuration-versions');
  if (attr(input, 'auto-queue-runs', isBool, 'true or false', false)) {
    throw new Invalid('auto-queue-runs is not supported: create the run with POST /runs once the configuration is uploaded', attribute('auto-queue-runs'));
  }
  if (attr(input, 'provisional', isBool, 'true or false', false)) {
    throw new Invalid('saved cloud plans (terraform plan -out) are not supported yet; run terraform apply', attribute('provisional'));
  }
  const speculative = attr(input, 'speculative', isBool, 'true or false', false);
  const { org, workspace } = await workspaceById(req.principal, req.params.workspaceTfeId ?? '');
  requireTfe(req.principal, org, speculative ? 'queueRun' : 'queueApply', 'uploading a configuration');
  const key = newConfigurationKey();
  const id = configurationVersionId(workspace.id, key);
  const cv: ConfigurationVersionRecord = {
    id,
    key,
    organizationId: org.id,
    workspaceId: workspace.id,
    speculative,
    status: 'pending',
    archive: artifactPaths.configuration(org.id, workspace.id, id),
    createdBy: req.principal.email,
    createdDate: new Date().toISOString(),
  };
  await commit([planPutConfigurationVersion(cv)]);
  const resource = await configurationResource(req, cv, true);
  return { status: 201, body: tfeDocument(resource) };
}

/** A pending version whose archive arrived becomes uploaded (or errored, when it is too large). */
export async function checkUpload(cv: ConfigurationVersionRecord): Promise<ConfigurationVersionRecord> {
  if (cv.status !== 'pending') return cv;
  const info = await artifactStore().stat(artifactStore().ref(cv.archive));
  if (!info) return cv;
  const now = new Date().toISOString();
  const checked: ConfigurationVersionRecord =
    info.size > MAX_CONFIGURATION_BYTES
      ? { ...cv, status: 'errored', size: info.size, uploadedDate: now, error: `the configuration (${info.size} bytes) exceeds the limit of ${MAX_CONFIGURATION_BYTES} bytes` }
      : { ...cv, status: 'uploaded', size: info.size, uploadedDate: now };
  try {
    await commit([planConfigurationUploadChecked(cv, { status: checked.status, size: checked.size, uploadedDate: now, ...(checked.error ? { error: checked.error } : {}) })]);
    return checked;
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
    return (await getConfigurationVersion(cv.workspaceId, cv.key)) ?? checked;
  }
}

/** The version named in the path, for a member of its workspace's organization. */
export async function readConfigurationVersion(req: ApiRequest, id: string) {
  const ids = parseConfigurationVersionId(id);
  if (!ids) throw configurationNotFound(id);
  const { org, workspace, refs } = await workspaceOf(req.principal, ids.workspaceId, (ws) => ({ cv: configurationVersionRef(ws, ids.key) }), id);
  if (!refs.cv) throw configurationNotFound(id);
  return { org, workspace, cv: refs.cv };
}

export async function get(req: ApiRequest): Promise<ApiResponse> {
  const { cv } = await readConfigurationVersion(req, req.params.configurationVersionId ?? '');
  return ok(tfeDocument(await configurationResource(req, await checkUpload(cv), false)));
}

/** What a run needs of its configuration: uploaded, of the run's workspace. */
export function requireUploaded(cv: ConfigurationVersionRecord): void {
  if (cv.status === 'errored') throw new Invalid(`configuration version ${cv.id} was refused: ${cv.error}`, { pointer: '/data/relationships/configuration-version' });
  if (cv.status !== 'uploaded') throw new Conflict(`configuration version ${cv.id} has not been uploaded yet`, { pointer: '/data/relationships/configuration-version' });
}
