import { AcceptInvitationRequest, AuthorizationRpc, Caller, CreateInvitationRequest, IdRequest, ListInvitationsRequest } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { tenantOf } from '../common/tenant-of';
import { InvitationsService } from './invitations.service';

@Controller()
export class InvitationsHandlers {
  constructor(private readonly invitations: InvitationsService) {}

  @RpcHandler(AuthorizationRpc.listInvitations)
  list(@RpcData() request: ListInvitationsRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.invitations.list(tenantOf(tenant), request);
  }

  @RpcHandler(AuthorizationRpc.getInvitation)
  get(@RpcData() request: IdRequest, @RpcTenant() tenant: string | null | undefined) {
    return this.invitations.get(tenantOf(tenant), request.id);
  }

  @RpcHandler(AuthorizationRpc.createInvitation)
  create(@RpcData() request: CreateInvitationRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.invitations.create(caller, tenantOf(tenant), request);
  }

  @RpcHandler(AuthorizationRpc.deleteInvitation)
  delete(@RpcData() request: IdRequest, @RpcCaller() caller: Caller | null, @RpcTenant() tenant: string | null | undefined) {
    return this.invitations.delete(caller, tenantOf(tenant), request.id);
  }

  @RpcHandler(AuthorizationRpc.acceptInvitation)
  accept(@RpcData() request: AcceptInvitationRequest) {
    return this.invitations.accept(request);
  }
}
