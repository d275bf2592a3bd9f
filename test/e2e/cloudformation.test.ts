/** cloudformation/twitter-stats.yaml: its interface, that CI lints it, and a deployment to moto. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { LAMBDA_BUILD_TIMEOUT_MS, boto, lambdaZip, useMoto, toolsAvailable, type Moto } from '../support/moto.js'
import { ROOT } from '../support/root.mjs'
import { loadTemplate, TEMPLATE } from '../support/template.js'

const CREDENTIALS = ['DatadogApiKey', 'XBearerToken', 'XConsumerKey', 'XConsumerSecret', 'XAccessToken', 'XAccessTokenSecret']

describe('the template', () => {
  const template = loadTemplate()

  test('declares exactly the parameters stacks depend on, with every credential NoEcho', () => {
    expect(Object.keys(template.Parameters).sort()).toEqual(
      [
        'Accounts',
        'AccountsS3Uri',
        'Frequency',
        'MetricPrefix',
        'Tags',
        'StateS3Uri',
        'DatadogSite',
        ...CREDENTIALS,
        'CodeBucket',
        'CodeKey',
        'MemorySize',
        'Timeout',
        'LogRetentionDays',
        'AlarmEmail'
      ].sort()
    )
    for (const name of CREDENTIALS) expect(template.Parameters[name]!.NoEcho).toBe(true)
    expect(template.Parameters.Frequency).toMatchObject({ Default: '5' })
    expect(template.Parameters.MetricPrefix!.Default).toBe('twitter')
    expect(template.Parameters.DatadogSite!.Default).toBe('datadoghq.com')
  })

  test('puts every credential in the secret and none in the function environment', () => {
    const secret = JSON.stringify(template.Resources.Credentials!.Properties.SecretString)
    for (const name of CREDENTIALS) expect(secret).toContain(`\${${name}}`)
    const environment = JSON.stringify(template.Resources.Function!.Properties.Environment)
    for (const name of CREDENTIALS) expect(environment).not.toContain(name)
    expect(environment).toContain('"SECRET_ID":{"Ref":"Credentials"}')
  })

  test('grants the role nothing on "*": its own log group, its own secret, the account list object and the state object only', () => {
    type Statement = { Action: string | string[]; Resource: unknown }
    const role = template.Resources.Role!.Properties as {
      Policies: { PolicyDocument: { Statement: (Statement | { 'Fn::If': [string, Statement, unknown] })[] } }[]
    }
    // The account list statement exists only with AccountsS3Uri (test/e2e/cloudformation-parameters.test.ts deploys both ways),
    // the state's with a state (test/e2e/cloudformation-state.test.ts deploys each way).
    const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement).map((s) => ('Fn::If' in s ? s['Fn::If'][1] : s))
    expect(statements.map((s) => s.Resource)).toEqual([
      { 'Fn::GetAtt': 'LogGroup.Arn' },
      { Ref: 'Credentials' },
      {
        'Fn::Sub': ['arn:${AWS::Partition}:s3:::${BucketAndKey}', { BucketAndKey: { 'Fn::Select': [1, { 'Fn::Split': ['s3://', { Ref: 'AccountsS3Uri' }] }] } }]
      },
      {
        'Fn::If': [
          'CreatesStateBucket',
          { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${StateBucket}/twitter-stats/state.json' },
          {
            'Fn::Sub': [
              'arn:${AWS::Partition}:s3:::${BucketAndKey}',
              { BucketAndKey: { 'Fn::Select': [1, { 'Fn::Split': ['s3://', { Ref: 'StateS3Uri' }] }] } }
            ]
          }
        ]
      },
      { 'Fn::GetAtt': 'StateBucket.Arn' }
    ])
    expect(statements.flatMap((s) => s.Action)).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:GetSecretValue',
      's3:GetObject',
      's3:GetObject',
      's3:PutObject',
      's3:ListBucket'
    ])
    // Listing is limited to the state's own key: enough for S3 to say "no such key" rather than "access denied".
    expect(statements.at(-1)).toMatchObject({ Condition: { StringEquals: { 's3:prefix': 'twitter-stats/state.json' } } })
  })

  test('alarms only when an e-mail is given', () => {
    expect(template.Resources.ErrorsAlarm!.Condition).toBe('HasAlarmEmail')
    expect(template.Resources.AlarmTopic!.Condition).toBe('HasAlarmEmail')
  })
})

// cfn-lint itself (some 5 s of CPU) runs as a step of its own wherever the tests run in CI, not a second time here.
test('cfn-lint checks the template in .ci/run, which the CI and release workflows run', () => {
  const command = 'cfn-lint cloudformation/twitter-stats.yaml'
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  expect(pkg.scripts['lint:template']).toBe(command)
  expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm run lint:template$/m)
  for (const workflow of ['ci.yml', 'release.yml']) {
    const { jobs } = parse(readFileSync(join(ROOT, '.github', 'workflows', workflow), 'utf8')) as { jobs: Record<string, { steps: { run?: string }[] }> }
    const runs = Object.values(jobs).flatMap((job) => job.steps.map((step) => step.run))
    expect([workflow, runs]).toEqual([workflow, expect.arrayContaining(['bash .ci/run'])])
  }
})

/** Uploads the zip, creates the stack, waits, and reads back what was created: one boto3 process. */
const DEPLOY = `
s3 = boto3.client('s3')
s3.create_bucket(Bucket=input['bucket'])
s3.upload_file(input['zip'], input['bucket'], input['key'])
cfn = boto3.client('cloudformation')
cfn.create_stack(StackName='twitter-stats', TemplateBody=open(input['template']).read(), Capabilities=['CAPABILITY_IAM'],
                 Parameters=[{'ParameterKey': k, 'ParameterValue': v} for k, v in input['parameters'].items()])
cfn.get_waiter('stack_create_complete').wait(StackName='twitter-stats', WaiterConfig={'Delay': 1, 'MaxAttempts': 60})
stack = cfn.describe_stacks(StackName='twitter-stats')['Stacks'][0]
resources = {r.get('LogicalResourceId'): r.get('PhysicalResourceId') for r in cfn.describe_stack_resources(StackName='twitter-stats')['StackResources']}
outputs = {o['OutputKey']: o['OutputValue'] for o in stack['Outputs']}
lam = boto3.client('lambda')
events = boto3.client('events')
print(json.dumps({
  'status': stack['StackStatus'],
  'outputs': outputs,
  'function': lam.get_function_configuration(FunctionName=outputs['FunctionName']),
  'policy': json.loads(lam.get_policy(FunctionName=outputs['FunctionName'])['Policy']),
  'rule': events.describe_rule(Name=resources['Schedule']),
  'targets': events.list_targets_by_rule(Rule=resources['Schedule'])['Targets'],
  'logGroups': boto3.client('logs').describe_log_groups(logGroupNamePrefix=outputs['LogGroupName'])['logGroups'],
}, default=str))
`

interface Deployed {
  status: string
  outputs: Record<string, string>
  function: { Runtime: string; Handler: string; CodeSha256: string; Environment: { Variables: Record<string, string> } }
  policy: unknown
  rule: { ScheduleExpression: string; Arn: string }
  targets: { Arn: string }[]
  logGroups: { retentionInDays: number }[]
}

const deploy = toolsAvailable(['moto_server', 'python3'], 'the CloudFormation deployment to moto (test/e2e/cloudformation.test.ts)')
;(deploy ? describe : describe.skip)('deployed to moto', () => {
  const secrets = { DatadogApiKey: 'dd-secret-9c1f', XBearerToken: 'x-secret-b77e' }
  let moto: Moto
  let deployed: Deployed
  let zip: string

  beforeAll(async () => {
    zip = await lambdaZip()
    moto = await useMoto()
    const parameters = {
      Accounts: 'jack, nasa;github',
      Frequency: '7',
      CodeBucket: 'releases',
      CodeKey: 'twitter-stats/v1.0.0.zip',
      AlarmEmail: 'ops@example.com',
      ...secrets
    }
    deployed = (await boto(moto, DEPLOY, { bucket: 'releases', key: 'twitter-stats/v1.0.0.zip', zip, template: TEMPLATE, parameters })) as Deployed
  }, LAMBDA_BUILD_TIMEOUT_MS)
  afterAll(async () => {
    await moto?.stop()
  })

  test('reaches CREATE_COMPLETE with the function name and log group as outputs', () => {
    expect(deployed.status).toBe('CREATE_COMPLETE')
    expect(deployed.outputs.FunctionName).toMatch(/^twitter-stats-Function-/)
    expect(deployed.outputs.LogGroupName).toBe('/twitter-stats/twitter-stats')
  })

  test('creates the function from the uploaded zip with the runtime, handler and no secret in its environment', () => {
    const fn = deployed.function
    expect(fn.Runtime).toBe('nodejs24.x')
    expect(fn.Handler).toBe('index.handler')
    expect(fn.CodeSha256).toBe(createHash('sha256').update(readFileSync(zip)).digest('base64'))
    expect(fn.Environment.Variables).toMatchObject({ ACCOUNTS: 'jack, nasa;github', DATADOG_SITE: 'datadoghq.com', METRIC_PREFIX: 'twitter' })
    const environment = JSON.stringify(fn.Environment)
    for (const value of Object.values(secrets)) expect(environment).not.toContain(value)
  })

  test('runs on the schedule, which may invoke the function, and keeps logs for the retention', () => {
    expect(deployed.rule.ScheduleExpression).toBe('rate(7 minutes)')
    expect(deployed.targets.map((t) => t.Arn)).toEqual([expect.stringMatching(new RegExp(`:function:${deployed.outputs.FunctionName}$`))])
    expect(deployed.policy).toMatchObject({
      Statement: [{ Principal: { Service: 'events.amazonaws.com' }, Condition: { ArnLike: { 'AWS:SourceArn': deployed.rule.Arn } } }]
    })
    expect(deployed.logGroups).toEqual([expect.objectContaining({ retentionInDays: 30 })])
  })
})
