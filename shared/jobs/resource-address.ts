/**
 * Terraform resource addresses for a job's targetAddrs / replaceAddrs (terraform `-target` /
 * `-replace`): `aws_instance.web`, `aws_subnet.public[0]`, `module.vpc["a"].aws_subnet.x`, `module.vpc`,
 * `data.aws_ami.ubuntu`. Checked when the job is created, so what reaches terraform is an address and
 * nothing else (each is passed as one argument, never through a shell).
 */
import * as v from 'valibot';

const NAME = '[A-Za-z_][A-Za-z0-9_-]*';
const INDEX = '(?:\\[(?:[0-9]+|"[^"\\\\\\r\\n]*")\\])';
const MODULE = `module\\.${NAME}${INDEX}?`;
const RESOURCE = `(?:data\\.)?${NAME}\\.${NAME}${INDEX}?`;
/** -target: a resource, a resource instance, or a module (instance). */
const TARGET = new RegExp(`^(?:${MODULE}\\.)*(?:${RESOURCE}|${MODULE})$`);
/** -replace: a resource instance. */
const REPLACE = new RegExp(`^(?:${MODULE}\\.)*${RESOURCE}$`);

export const MAX_ADDRESSES = 100;
const MAX_ADDRESS_LENGTH = 512;

/** A list of addresses as clients send it (Terrakube trims them and skips blank ones); null or absent: none. */
const addressList = (pattern: RegExp, what: string) =>
  v.nullish(
    v.pipe(
      v.array(v.string('must be a list of resource addresses'), 'must be a list of resource addresses'),
      v.transform((list) => list.map((a) => a.trim()).filter((a) => a !== '')),
      v.maxLength(MAX_ADDRESSES, `must hold at most ${MAX_ADDRESSES} addresses`),
      v.check((list) => list.every((a) => a.length <= MAX_ADDRESS_LENGTH && pattern.test(a)), `must hold ${what} (e.g. aws_instance.web, module.vpc.aws_subnet.public[0])`),
    ),
  );

export const targetAddresses = () => addressList(TARGET, 'resource or module addresses');
export const replaceAddresses = () => addressList(REPLACE, 'resource instance addresses');
