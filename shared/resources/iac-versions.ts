/**
 * GET /terraform/index.json and /tofu/index.json: the versions a workspace may pick, in the shapes the
 * Terrakube UI reads (Terrakube proxies HashiCorp's releases index and GitHub's OpenTofu releases; this
 * service has no outside network, so it answers its own list). Public, like Terrakube's.
 */
import type { ApiResponse } from '../http/api-handler';

export const TERRAFORM_VERSIONS = ['1.11.4', '1.11.0', '1.10.5', '1.9.8', '1.8.5', '1.7.5', '1.6.6', '1.5.7'] as const;
export const TOFU_VERSIONS = ['1.9.0', '1.8.8', '1.7.7', '1.6.2'] as const;

const json = (body: unknown): ApiResponse => ({
  status: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=3600' },
  body: JSON.stringify(body),
});

export async function terraformIndex(): Promise<ApiResponse> {
  return json({ name: 'terraform', versions: Object.fromEntries(TERRAFORM_VERSIONS.map((v) => [v, { name: 'terraform', version: v }])) });
}

export async function tofuIndex(): Promise<ApiResponse> {
  return json(TOFU_VERSIONS.map((v) => ({ tag_name: `v${v}` })));
}
