import { searchAttributeRegistrations } from '../contracts/search-attribute-names.js';

/** The commands that add `missing` to `namespace`: on Temporal Cloud (tcld), and on a cluster of your own (temporal). */
export function searchAttributeCommands(namespace: string, missing: typeof searchAttributeRegistrations = searchAttributeRegistrations): string {
  const tcld = missing.map((sa) => `--search-attribute "${sa.name}=${sa.type}"`).join(' ');
  const cli = missing.map((sa) => `temporal operator search-attribute create --namespace ${namespace} --name ${sa.name} --type ${sa.type}`);
  return [
    `  Temporal Cloud:  tcld namespace search-attributes add --namespace ${namespace} ${tcld}`,
    '  your own cluster:',
    ...cli.map((c) => `    ${c}`),
  ].join('\n');
}
