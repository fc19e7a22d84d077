import { describe, expect, it } from 'vitest';
import { DEFAULT_TEMPLATES, defaultTemplateTcl } from '../../shared/domain/default-templates';
import { TclError, encodeTcl, parseTcl } from '../../shared/domain/tcl';

const tcl = (yaml: string) => encodeTcl(yaml);
const errorOf = (value: string): TclError => {
  try {
    parseTcl(value);
  } catch (e) {
    if (e instanceof TclError) return e;
    throw e;
  }
  throw new Error('expected a TclError');
};

describe('TCL parsing', () => {
  it('parses every default template into ordered steps', () => {
    const flows = Object.fromEntries(DEFAULT_TEMPLATES.map((t) => [t.name, parseTcl(defaultTemplateTcl(t))]));
    expect(flows['Plan and apply']?.map((f) => [f.type, f.step, f.name])).toEqual([
      ['terraformPlan', 100, 'Plan'],
      ['terraformApply', 200, 'Apply'],
    ]);
    expect(flows['Terraform-Plan/Apply-Cli']?.[1]).toMatchObject({ type: 'approval', step: 150, team: 'TERRAFORM_CLI' });
    expect(flows['Terraform-Plan/Destroy-Cli']?.[0]?.type).toBe('terraformPlanDestroy');
    expect(flows.Destroy?.[0]?.type).toBe('terraformDestroy');
  });

  it('sorts flows by step, defaults names and orders commands by priority', () => {
    const flows = parseTcl(
      tcl(`flow:
  - type: customScripts
    step: 300
    commands:
      - { runtime: BASH, priority: 200, script: "echo second" }
      - { runtime: BASH, priority: 100, script: "echo first" }
  - type: terraformPlan
    step: 100
    ignoreError: true
    commands:
      - { priority: 1, before: true, script: "echo before" }
      - { priority: 2, after: true, script: "echo after" }
`),
    );
    expect(flows.map((f) => f.step)).toEqual([100, 300]);
    expect(flows[0]).toMatchObject({ name: 'Step 100', ignoreError: true });
    expect(flows[0]?.commands.map((c) => [c.before, c.after])).toEqual([[true, false], [false, true]]);
    expect(flows[1]?.commands.map((c) => c.script)).toEqual(['echo first', 'echo second']);
  });

  it.each([
    ['not base64 at all!', '', 'base64'],
    [Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), '', 'UTF-8'],
    [tcl('flow: [unclosed'), '', 'invalid YAML'],
    [tcl('- just a list'), '', "'flow' list"],
    [tcl('flow: []'), 'flow', 'non-empty'],
    [tcl('flow:\n  - type: terraformPlan\n    step: 1\nextra: 1'), '', "unknown key 'extra'"],
    [tcl('flow:\n  - type: terraformPlan\n    step: 1\n    color: red'), 'flow[0]', "unknown key 'color'"],
    [tcl('flow:\n  - type: scheduleTemplates\n    step: 1'), 'flow[0].type', "unsupported flow type 'scheduleTemplates'"],
    [tcl('flow:\n  - step: 1'), 'flow[0].type', 'required'],
    [tcl('flow:\n  - type: terraformPlan\n    step: 1.5'), 'flow[0].step', 'integer'],
    [tcl('flow:\n  - type: terraformPlan\n    step: 100\n  - type: terraformApply\n    step: 100'), 'flow[1].step', 'duplicate step number 100'],
    [tcl('flow:\n  - type: approval\n    step: 1'), 'flow[0].team', 'group allowed to approve'],
    [tcl('flow:\n  - type: terraformPlan\n    step: 1\n    team: X'), 'flow[0].team', 'only approval'],
    [tcl('flow:\n  - type: customScripts\n    step: 1'), 'flow[0].commands', 'needs commands'],
    [tcl('flow:\n  - type: terraformPlan\n    step: 1\n    commands:\n      - { runtime: GROOVY, before: true, script: x }'), 'flow[0].commands[0].runtime', "unsupported runtime 'GROOVY'"],
    [tcl('flow:\n  - type: terraformPlan\n    step: 1\n    commands:\n      - { script: x }'), 'flow[0].commands[0]', 'before: true'],
    [tcl('flow:\n  - type: terraformPlan\n    step: 1\n    ignoreError: "yes"'), 'flow[0].ignoreError', 'true or false'],
    [tcl('flow:\n  - type: terraformPlan\n    step: 1\n    step: 2'), '', 'invalid YAML'],
  ])('rejects %#: %s', (value, path, message) => {
    const error = errorOf(value);
    expect(error.path).toBe(path);
    expect(error.message).toContain(message);
  });

  it('refuses YAML alias bombs instead of expanding them', () => {
    const bomb = ['a: &a [x,x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`), 'flow: []'].join('\n');
    expect(() => parseTcl(tcl(bomb))).toThrow(TclError);
  });
});
