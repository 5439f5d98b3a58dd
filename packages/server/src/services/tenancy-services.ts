import type { Clock } from '@kumo/core';
import type { Repos } from '@kumo/db';
import type { AuthService } from './auth-service.ts';
import { PolicyService } from './policy-service.ts';
import { DomainService } from './domain-service.ts';
import { AccountService } from './account-service.ts';
import { UserService } from './user-service.ts';
import { ProjectService } from './project-service.ts';
import { RoleService } from './role-service.ts';

/** Domains, accounts, users, projects and roles, and the policy. */
export interface TenancyServices {
  policy: PolicyService; domains: DomainService; accounts: AccountService; users: UserService; projects: ProjectService; roles: RoleService;
}

export function createTenancyServices(repos: Repos, clock: Clock, auth: AuthService): TenancyServices {
  const accounts = new AccountService(repos, clock, auth);
  return {
    policy: new PolicyService(repos), domains: new DomainService(repos, clock, () => auth.forgetVerified()), accounts,
    users: new UserService(repos, clock, auth, accounts), projects: new ProjectService(repos, clock, accounts), roles: new RoleService(repos, clock, auth),
  };
}
