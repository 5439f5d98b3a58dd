export { LdapDirectory, DirectoryUnavailableError, type LdapDirectoryConfig, type DirectoryUser, type DirectoryLogin } from './ldap-directory.ts';
export { escapeFilterValue, fillFilter } from './ldap-filter.ts';
