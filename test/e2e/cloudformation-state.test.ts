/**
 * The state's place in the stack, deployed to moto: by default a bucket of the stack's own, which the function may
 * read and write one object of, and which stays (with the state in it) when the stack is deleted, so the deletion
 * still succeeds; StateS3Uri for an object of the user's own; none for no state.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { boto, toolsAvailable, useMoto, type Moto } from '../support/moto.js'
import { TEMPLATE } from '../support/template.js'

/** Creates the three stacks, then deletes the default one after a run's state is in its bucket: one boto3 process. */
const DEPLOY = `
import ast
s3 = boto3.client('s3')
s3.create_bucket(Bucket=input['code'])
s3.put_object(Bucket=input['code'], Key='code.zip', Body=b'placeholder: the template is under test here, not the code')
cfn = boto3.client('cloudformation')
template = open(input['template']).read()
out = {}
for name, parameters in input['stacks'].items():
    cfn.create_stack(StackName=name, TemplateBody=template, Capabilities=['CAPABILITY_IAM'],
                     Parameters=[{'ParameterKey': k, 'ParameterValue': v} for k, v in {**input['common'], **parameters}.items()])
    cfn.get_waiter('stack_create_complete').wait(StackName=name, WaiterConfig={'Delay': 1, 'MaxAttempts': 60})
    resources = {r.get('LogicalResourceId'): r.get('PhysicalResourceId') for r in cfn.describe_stack_resources(StackName=name)['StackResources']}
    stack = cfn.describe_stacks(StackName=name)['Stacks'][0]
    document = boto3.client('iam').get_role_policy(RoleName=resources['Role'], PolicyName='twitter-stats')['PolicyDocument']
    out[name] = {
        'status': stack['StackStatus'],
        'resources': resources,
        'outputs': {o['OutputKey']: o['OutputValue'] for o in stack.get('Outputs', [])},
        'environment': boto3.client('lambda').get_function_configuration(FunctionName=resources['Function'])['Environment']['Variables'],
        'policy': ast.literal_eval(document) if isinstance(document, str) else document,
    }
# One stack whose bucket holds a state, one whose bucket is still empty (which a Delete policy would remove).
bucket = out['own-bucket']['resources']['StateBucket']
s3.put_object(Bucket=bucket, Key='twitter-stats/state.json', Body=b'{"version":1}')
ids = {name: cfn.describe_stacks(StackName=name)['Stacks'][0]['StackId'] for name in ['own-bucket', 'empty-bucket']}
for name in ids:
    cfn.delete_stack(StackName=name)
    cfn.get_waiter('stack_delete_complete').wait(StackName=name, WaiterConfig={'Delay': 1, 'MaxAttempts': 60})
functions = [f['FunctionName'] for f in boto3.client('lambda').list_functions()['Functions']]
buckets = [b['Name'] for b in s3.list_buckets()['Buckets']]
out['deletion'] = {
    'status': [cfn.describe_stacks(StackName=ids[name])['Stacks'][0]['StackStatus'] for name in ids],
    'functions': [out[name]['resources']['Function'] in functions for name in ids],
    'buckets': [out[name]['resources']['StateBucket'] in buckets for name in ids],
    'state': s3.get_object(Bucket=bucket, Key='twitter-stats/state.json')['Body'].read().decode(),
}
print(json.dumps(out, default=str))
`

interface Stack {
  status: string
  resources: Record<string, string>
  outputs: Record<string, string>
  environment: Record<string, string>
  policy: { Statement: { Sid: string; Action: string | string[]; Resource?: string; Condition?: unknown }[] }
}

interface Deployed {
  'own-bucket': Stack
  'user-object': Stack
  'no-state': Stack
  deletion: { status: string[]; functions: boolean[]; buckets: boolean[]; state: string }
}

const deploy = toolsAvailable(['moto_server', 'python3'], "the state's bucket deployed to moto (test/e2e/cloudformation-state.test.ts)")
;(deploy ? describe : describe.skip)('the state in the stack, deployed to moto', () => {
  let moto: Moto
  let deployed: Deployed
  // moto keeps the AWS::NoValue of a list as null, where CloudFormation drops the item.
  const statements = (stack: Stack): Stack['policy']['Statement'] => stack.policy.Statement.filter((s) => s !== null)
  const statement = (stack: Stack, sid: string) => statements(stack).find((s) => s.Sid === sid)

  beforeAll(async () => {
    moto = await useMoto()
    // Names of their own (bucket, stacks): the run's moto_server is shared with the other moto suites.
    const common = { Accounts: 'bsky.app', CodeBucket: 'state-cases-code', CodeKey: 'code.zip', DatadogApiKey: 'dd-key-for-moto-5d1e' }
    const stacks = {
      'own-bucket': {},
      'empty-bucket': {},
      'user-object': { StateS3Uri: 's3://my-states/collectors/team.json' },
      'no-state': { StateS3Uri: 'none' }
    }
    deployed = (await boto(moto, DEPLOY, { code: common.CodeBucket, template: TEMPLATE, common, stacks })) as Deployed
  }, 120_000)
  afterAll(async () => {
    await moto?.stop()
  })

  test('by default the stack creates a bucket, passes STATE=s3://… of one object in it, and the role may get and put that object only', () => {
    const stack = deployed['own-bucket']
    expect(stack.status).toBe('CREATE_COMPLETE')
    const bucket = stack.resources.StateBucket!
    expect(stack.environment.STATE).toBe(`s3://${bucket}/twitter-stats/state.json`)
    expect(stack.outputs).toMatchObject({ StateBucketName: bucket, StateUri: `s3://${bucket}/twitter-stats/state.json` })
    expect(statement(stack, 'KeepState')).toMatchObject({
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: `arn:aws:s3:::${bucket}/twitter-stats/state.json`
    })
    expect(statement(stack, 'TellMissingState')).toMatchObject({
      Action: 's3:ListBucket',
      Resource: `arn:aws:s3:::${bucket}`,
      Condition: { StringEquals: { 's3:prefix': 'twitter-stats/state.json' } }
    })
  })

  test('deleting the stack succeeds, also with a state in the bucket, and the bucket stays with the state in it, as the output says', () => {
    expect(deployed.deletion.status).toEqual(['DELETE_COMPLETE', 'DELETE_COMPLETE'])
    expect(deployed.deletion.functions).toEqual([false, false])
    // Retained, empty or not: CloudFormation cannot delete a bucket that holds an object, and the state is the accounts' history.
    expect(deployed.deletion.buckets).toEqual([true, true])
    expect(deployed.deletion.state).toBe('{"version":1}')
    expect(deployed['own-bucket'].outputs.StateBucketName).toBe(deployed['own-bucket'].resources.StateBucket)
  })

  test('with StateS3Uri the function keeps its state in that object, creates no bucket, and may get and put that object only', () => {
    const stack = deployed['user-object']
    expect(stack.status).toBe('CREATE_COMPLETE')
    expect(stack.resources.StateBucket).toBeUndefined()
    expect(stack.environment.STATE).toBe('s3://my-states/collectors/team.json')
    expect(statement(stack, 'KeepState')).toMatchObject({ Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::my-states/collectors/team.json' })
    expect(statement(stack, 'TellMissingState')).toBeUndefined()
    expect(stack.outputs.StateUri).toBe('s3://my-states/collectors/team.json')
  })

  test('with StateS3Uri none there is no state: no bucket, STATE=none, no S3 permission for it', () => {
    const stack = deployed['no-state']
    expect(stack.status).toBe('CREATE_COMPLETE')
    expect(stack.resources.StateBucket).toBeUndefined()
    expect(stack.environment.STATE).toBe('none')
    expect(statements(stack).map((s) => s.Sid)).toEqual(['WriteOwnLogs', 'ReadOwnSecret'])
  })
})
