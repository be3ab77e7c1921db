// Names of an AgentCore runtime, without the AWS SDK (which only the transport itself loads).

/** The region an agent runtime ARN names: arn:aws:bedrock-agentcore:<region>:<account>:runtime/<id>. */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/** How an AgentCore runtime is named in logs and `clawflow status`. */
export function agentCoreDescription(options: { runtimeArn: string; qualifier: string }): string {
  return `AgentCore runtime ${options.runtimeArn} (${options.qualifier})`;
}
