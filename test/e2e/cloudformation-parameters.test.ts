/**
 * What the template lets into a stack: the parameter patterns as CloudFormation applies them (Java regex,
 * whole value), its Rules, the secret that no parameter can rewrite, and stacks for every mix of networks
 * in moto. moto 5.2.1 applies no AllowedPattern, MaxLength or Rules and has no CloudFormation model for
 * AWS::SecretsManager::Secret, so the patterns run in Java here, and the secret's text is deployed as an
 * SSM parameter to see what CloudFormation's substitution makes of an accepted credential.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { parseS3Uri } from '../../src/lambda/accounts-s3.js'
import { SECRET_NAMES } from '../../src/lambda/secrets.js'
import { boto, useMoto, toolsAvailable, type Moto } from '../support/moto.js'
import { loadTemplate, TEMPLATE } from '../support/template.js'

const template = loadTemplate()
const SECRET_STRING = template.Resources.Credentials!.Properties.SecretString as { 'Fn::Sub': string }
/** The secret's keys, each with the parameter its value comes from. */
const KEY_OF = Object.fromEntries([...SECRET_STRING['Fn::Sub'].matchAll(/"([A-Z_]+)":"\$\{([A-Za-z0-9]+)\}"/g)].map((match) => [match[2]!, match[1]!]))
const IN_SECRET = Object.keys(KEY_OF)
const INJECTION = 'x","DATADOG_API_KEY":"attacker'

/** CloudFormation's check: "the pattern must match the entire parameter value provided". */
function allowed(name: string, value: string): boolean {
  const pattern = template.Parameters[name]!.AllowedPattern
  return pattern === undefined || new RegExp(`^(?:${pattern})$`).test(value)
}

/** Fn::Sub as CloudFormation does it: each ${Name} replaced once by the parameter's value. */
function substitute(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (_, name: string) => values[name] ?? '')
}

/** Evaluates a Rules assertion (Fn::And, Or, Not, Equals, Ref) for the given parameters, with the template's defaults. */
function holds(node: unknown, values: Record<string, string>): unknown {
  if (typeof node !== 'object' || node === null) return node
  const [[fn, args]] = Object.entries(node) as [[string, unknown]]
  const list = args as unknown[]
  switch (fn) {
    case 'Ref':
      return values[args as string] ?? String(template.Parameters[args as string]!.Default ?? '')
    case 'Fn::Equals':
      return holds(list[0], values) === holds(list[1], values)
    case 'Fn::Not':
      return !holds(list[0], values)
    case 'Fn::And':
      return list.every((item) => holds(item, values))
    case 'Fn::Or':
      return list.some((item) => holds(item, values))
    default:
      throw new Error(`no evaluator for ${fn}`)
  }
}

function ruleRefusals(values: Record<string, string>): string[] {
  return Object.values(template.Rules)
    .flatMap((rule) => rule.Assertions)
    .filter((assertion) => !holds(assertion.Assert, values))
    .map((assertion) => assertion.AssertDescription)
}

describe('the secret cannot be rewritten by a parameter', () => {
  test('every parameter in the secret text is a NoEcho credential that refuses ", \\ and control characters, saying so', () => {
    expect(SECRET_STRING['Fn::Sub'].match(/\$\{/g)).toHaveLength(IN_SECRET.length)
    for (const key of Object.values(KEY_OF)) expect(SECRET_NAMES).toContain(key)
    expect([...IN_SECRET].sort()).toEqual(['DatadogApiKey', 'XAccessToken', 'XAccessTokenSecret', 'XBearerToken', 'XConsumerKey', 'XConsumerSecret'])
    for (const name of IN_SECRET) {
      const parameter = template.Parameters[name]!
      expect(parameter.NoEcho).toBe(true)
      expect(parameter.ConstraintDescription).toMatch(
        new RegExp(`^${name} must not contain a double quote \\("\\), a backslash \\(\\\\\\) or a control character`)
      )
      expect(allowed(name, INJECTION)).toBe(false)
    }
  })

  test('a credential is accepted exactly when it can stand unescaped in a JSON string (RFC 8259), and the secret then has the six keys and those values', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 24 }), fc.constantFrom(...IN_SECRET), (value, name) => {
        // eslint-disable-next-line no-control-regex
        const jsonSafe = !/["\\\u0000-\u001f]/.test(value)
        expect(allowed(name, value)).toBe(jsonSafe)
        if (!jsonSafe) return
        const values = Object.fromEntries(IN_SECRET.map((n) => [n, n === name ? value : `${n}-value`]))
        const secret: unknown = JSON.parse(substitute(SECRET_STRING['Fn::Sub'], values))
        expect(secret).toEqual(Object.fromEntries(IN_SECRET.map((n) => [KEY_OF[n], values[n]])))
      }),
      { numRuns: 500 }
    )
  })
})

describe('the parameters CloudFormation checks at stack creation', () => {
  test('Frequency takes whole minutes from 5, and refuses 7.5 (which EventBridge would refuse mid-deployment)', () => {
    expect(template.Parameters.Frequency).toMatchObject({
      Type: 'String',
      Default: '5',
      ConstraintDescription: expect.stringContaining('whole number of minutes')
    })
    for (const ok of ['5', '7', '15', '60', '1440', '9999']) expect([ok, allowed('Frequency', ok)]).toEqual([ok, true])
    for (const bad of ['7.5', '4', '0', '05', '', ' 5', '5 ', '1e1', '-5', '10000', '5\n']) expect([bad, allowed('Frequency', bad)]).toEqual([bad, false])
  })

  test('AccountsS3Uri is empty or names one object, and never widens the role with a wildcard', () => {
    const ok = ['', 's3://my-bucket/accounts.txt', 's3://team.lists/twitter-stats/2026/accounts list.txt', 's3://abc/a']
    const bad = ['s3://my-bucket/', 's3://my-bucket/lists/*', 's3://my-bucket/a?.txt', 's3://my-bucket/${aws:username}', 's3://My_Bucket/a.txt']
    for (const uri of ok) expect([uri, allowed('AccountsS3Uri', uri)]).toEqual([uri, true])
    for (const uri of [...bad, 'https://my-bucket.s3.amazonaws.com/a.txt', 's3://my-bucket/a.txt ', 's3://ab/a.txt', 'my-bucket/a.txt']) {
      expect([uri, allowed('AccountsS3Uri', uri)]).toEqual([uri, false])
    }
    // Whatever the template lets through, the function reads.
    for (const uri of ok.filter(Boolean)) expect(parseS3Uri(uri)).toMatchObject({ uri })
  })

  test('the rules: Accounts or AccountsS3Uri is required; X credentials only as a bearer token or all four OAuth keys, or none at all', () => {
    const base = { DatadogApiKey: 'dd' }
    expect(ruleRefusals({ ...base, Accounts: 'alice.bsky.social;user@mastodon.social' })).toEqual([])
    expect(ruleRefusals({ ...base, AccountsS3Uri: 's3://lists/accounts.txt' })).toEqual([])
    expect(ruleRefusals({ ...base, Accounts: 'jack', AccountsS3Uri: 's3://lists/accounts.txt', XBearerToken: 't' })).toEqual([])
    const oauth = { XConsumerKey: 'a', XConsumerSecret: 'b', XAccessToken: 'c', XAccessTokenSecret: 'd' }
    expect(ruleRefusals({ ...base, Accounts: 'jack', ...oauth })).toEqual([])
    expect(ruleRefusals(base)).toEqual(['Give Accounts (a short list), AccountsS3Uri (s3://bucket/key of a list), or both.'])
    expect(ruleRefusals({ ...base, Accounts: 'jack', XConsumerKey: 'a', XAccessToken: 'c' })).toEqual([
      expect.stringMatching(/^For X accounts give XBearerToken, or all four/)
    ])
  })

  test('Accounts is for short lists: at most 2,048 characters, with the way to a longer list in the message', () => {
    expect(template.Parameters.Accounts).toMatchObject({ Default: '', MaxLength: 2048, ConstraintDescription: expect.stringContaining('AccountsS3Uri') })
  })

  test('the secret and the log group go with the stack, and a failed scheduled run is not retried', () => {
    for (const name of ['Credentials', 'LogGroup']) expect(template.Resources[name]).toMatchObject({ DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' })
    expect(template.Resources.ScheduleInvokeConfig).toEqual({
      Type: 'AWS::Lambda::EventInvokeConfig',
      Properties: { FunctionName: { Ref: 'Function' }, Qualifier: '$LATEST', MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 }
    })
  })
})

/** One Java run for every case: CloudFormation's regexes are Java's, matched against the whole value (Pattern.matches). */
const JAVA_MATCHER = `
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;
public class CfnPattern {
  public static void main(String[] args) throws Exception {
    String input = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder();
    for (String line : input.split("\\n")) {
      if (line.isEmpty()) continue;
      String[] parts = line.split(" ", -1);
      Base64.Decoder decoder = Base64.getDecoder();
      String pattern = new String(decoder.decode(parts[0]), StandardCharsets.UTF_8);
      String value = new String(decoder.decode(parts[1]), StandardCharsets.UTF_8);
      out.append(Pattern.matches(pattern, value) ? '1' : '0');
    }
    System.out.print(out);
  }
}
`

const java = toolsAvailable(['java'], "the template's AllowedPattern checked with Java's regex engine (CloudFormation's)")
;(java ? test : test.skip)('Java, whose regex CloudFormation uses, gives the same answer as these tests for every case', async () => {
  const cases: [string, string][] = [
    ...IN_SECRET.flatMap((name) =>
      [
        INJECTION,
        'quote"inside',
        'back\\slash',
        'new\nline',
        'trailing newline\n',
        'tab\there',
        'nul\u0000',
        '\u001f',
        '',
        'AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F',
        "it's ${AWS::StackName} {} $ % é 😀 \u2028 \u007f"
      ].map((value): [string, string] => [name, value])
    ),
    ...['5', '7.5', '05', '10000', '5\n'].map((value): [string, string] => ['Frequency', value]),
    ...['', 's3://lists/a.txt', 's3://lists/*', 's3://lists/a.txt\n', 's3://lists/a '].map((value): [string, string] => ['AccountsS3Uri', value])
  ]
  const dir = mkdtempSync(join(tmpdir(), 'cfn-pattern-'))
  try {
    writeFileSync(join(dir, 'CfnPattern.java'), JAVA_MATCHER)
    const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')
    const input = cases.map(([name, value]) => `${b64(template.Parameters[name]!.AllowedPattern!)} ${b64(value)}`).join('\n')
    const answers = await new Promise<string>((resolve, reject) => {
      // The quick JIT tier and the serial collector: half the CPU of a default JVM for this one short run, the same regex engine.
      const child = execFile('java', ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', join(dir, 'CfnPattern.java')], (error, stdout, stderr) =>
        error ? reject(new Error(stderr || error.message)) : resolve(stdout)
      )
      child.stdin!.end(input)
    })
    expect([...answers].map((answer, index) => [...cases[index]!, answer === '1'])).toEqual(cases.map(([name, value]) => [name, value, allowed(name, value)]))
    expect(cases.filter(([name, value]) => IN_SECRET.includes(name) && allowed(name, value)).map(([, value]) => value)).toEqual(
      expect.arrayContaining(['', expect.stringMatching(/^AAAA/), expect.stringContaining('😀')])
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

/**
 * Creates, in one boto3 process: a stack with Bluesky and Mastodon accounts, an S3 list and no X
 * credentials; one with a short list only; and the credential parameters with the secret text as an SSM
 * parameter (moto has no Secrets Manager model in CloudFormation) for the round trip of the credentials.
 */
const DEPLOY = `
import ast
s3 = boto3.client('s3')
s3.create_bucket(Bucket=input['bucket'])
s3.put_object(Bucket=input['bucket'], Key='code.zip', Body=b'placeholder: the template is under test here, not the code')
cfn = boto3.client('cloudformation')
def create(name, body, parameters):
    cfn.create_stack(StackName=name, TemplateBody=body, Capabilities=['CAPABILITY_IAM'],
                     Parameters=[{'ParameterKey': k, 'ParameterValue': v} for k, v in parameters.items()])
    cfn.get_waiter('stack_create_complete').wait(StackName=name, WaiterConfig={'Delay': 1, 'MaxAttempts': 60})
    resources = {r.get('LogicalResourceId'): r.get('PhysicalResourceId') for r in cfn.describe_stack_resources(StackName=name)['StackResources']}
    return cfn.describe_stacks(StackName=name)['Stacks'][0], resources
def policy(role):
    document = boto3.client('iam').get_role_policy(RoleName=role, PolicyName='twitter-stats')['PolicyDocument']
    return ast.literal_eval(document) if isinstance(document, str) else document
out = {}
template = open(input['template']).read()
for name, parameters in input['stacks'].items():
    stack, resources = create(name, template, parameters)
    out[name] = {
        'status': stack['StackStatus'],
        'function': boto3.client('lambda').get_function_configuration(FunctionName=resources['Function']),
        'policy': policy(resources['Role']),
    }
stack, resources = create('secret-text', input['secretTemplate'], input['credentials'])
out['secretText'] = boto3.client('ssm').get_parameter(Name='twitter-stats-secret-text')['Parameter']['Value']
print(json.dumps(out, default=str))
`

interface Deployed {
  status: string
  function: { Runtime: string; Environment: { Variables: Record<string, string> } }
  policy: { Statement: { Sid: string; Action: string | string[]; Resource?: string }[] }
}

const deploy = toolsAvailable(['moto_server', 'python3'], 'the template deployed to moto (test/e2e/cloudformation-parameters.test.ts)')
;(deploy ? describe : describe.skip)('deployed to moto', () => {
  // Names of its own (bucket, stacks, parameter): the run's moto_server is shared with the other moto suites.
  const code = { CodeBucket: 'parameter-cases-code', CodeKey: 'code.zip', DatadogApiKey: 'dd-key-for-moto-0b3c' }
  // Every kind of character a credential may hold, but no "${OtherParameter}": moto substitutes those twice.
  const credentials = {
    DatadogApiKey: '0123456789abcdef0123456789abcdef',
    XBearerToken: 'AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F',
    XConsumerKey: "it's {a} $ 50% / + = ~ ` é 😀 \u2028 \u007f end",
    XConsumerSecret: '<script>&amp;</script>',
    XAccessToken: '123-abc_DEF.ghi',
    XAccessTokenSecret: ''
  }
  let moto: Moto
  let deployed: Record<'networks' | 'short', Deployed> & { secretText: string }

  beforeAll(async () => {
    moto = await useMoto()
    const secretTemplate = JSON.stringify({
      Parameters: Object.fromEntries(IN_SECRET.map((name) => [name, template.Parameters[name]])),
      Resources: {
        Credentials: { Type: 'AWS::SSM::Parameter', Properties: { Name: 'twitter-stats-secret-text', Type: 'String', Value: SECRET_STRING } }
      }
    })
    deployed = (await boto(moto, DEPLOY, {
      bucket: code.CodeBucket,
      template: TEMPLATE,
      secretTemplate,
      credentials,
      stacks: {
        networks: { ...code, Accounts: 'alice.bsky.social;user@mastodon.social', AccountsS3Uri: 's3://team-lists/twitter-stats/accounts.txt' },
        short: { ...code, Accounts: 'bsky.app' }
      }
    })) as typeof deployed
  }, 120_000)
  afterAll(async () => {
    await moto?.stop()
  })

  test('a stack with Bluesky and Mastodon accounts, an S3 list and no X credentials is created, on nodejs24.x', () => {
    const { status, function: fn } = deployed.networks
    expect(status).toBe('CREATE_COMPLETE')
    expect(fn.Runtime).toBe('nodejs24.x')
    expect(fn.Environment.Variables).toMatchObject({
      ACCOUNTS: 'alice.bsky.social;user@mastodon.social',
      ACCOUNTS_S3_URI: 's3://team-lists/twitter-stats/accounts.txt'
    })
  })

  test('the role may read the one list object and nothing else in S3; without a list, nothing in S3 but the state', () => {
    // moto keeps the AWS::NoValue of a list as null, where CloudFormation drops the item.
    const statements = (policy: Deployed['policy']): Deployed['policy']['Statement'] => policy.Statement.filter((s) => s !== null)
    // The state's own statements (KeepState, TellMissingState) are test/e2e/cloudformation-state.test.ts's.
    const s3 = (policy: Deployed['policy']): unknown[] =>
      statements(policy).filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')) && !['KeepState', 'TellMissingState'].includes(s.Sid))
    expect(s3(deployed.networks.policy)).toEqual([
      { Sid: 'ReadAccountList', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::team-lists/twitter-stats/accounts.txt' }
    ])
    expect(deployed.short.status).toBe('CREATE_COMPLETE')
    expect(s3(deployed.short.policy)).toEqual([])
    expect(statements(deployed.short.policy).map((s) => s.Sid)).toEqual(['WriteOwnLogs', 'ReadOwnSecret', 'KeepState', 'TellMissingState'])
    expect(deployed.short.function.Environment.Variables).toMatchObject({ ACCOUNTS: 'bsky.app', ACCOUNTS_S3_URI: '' })
  })

  test('accepted credentials reach the secret text exactly, under their own keys and no others', () => {
    expect(JSON.parse(deployed.secretText)).toEqual({
      DATADOG_API_KEY: credentials.DatadogApiKey,
      X_BEARER_TOKEN: credentials.XBearerToken,
      X_CONSUMER_KEY: credentials.XConsumerKey,
      X_CONSUMER_SECRET: credentials.XConsumerSecret,
      X_ACCESS_TOKEN: credentials.XAccessToken,
      X_ACCESS_TOKEN_SECRET: ''
    })
    for (const [name, value] of Object.entries(credentials)) expect([name, allowed(name, value)]).toEqual([name, true])
  })
})
