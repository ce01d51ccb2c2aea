import { AcceptInvitationRequest, AuthorizationRpc, Caller, CreateInvitationRequest, IdRequest, ListInvitationsRequest } from '@gatehouse/contracts';
import { RpcCaller, RpcData, RpcHandler, RpcTenant } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { tenantOf } from '../common/tenant-of';
import { InvitationsService } from './invitations.service';

@Controller()
export class InvitationsHandlers {
  constructor(private readonly invitations: InvitationsService) {}

  @RpcHandler(AuthorizationRpc.listInvitations)
  list(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: ListInvitationsRequest) {
    return this.invitations.list(tenantOf(tenantId), request);
  }

  @RpcHandler(AuthorizationRpc.getInvitation)
  get(@RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdRequest) {
    return this.invitations.get(tenantOf(tenantId), request.id);
  }

  @RpcHandler(AuthorizationRpc.createInvitation)
  create(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: CreateInvitationRequest) {
    return this.invitations.create(caller, tenantOf(tenantId), request);
  }

  @RpcHandler(AuthorizationRpc.deleteInvitation)
  delete(@RpcCaller() caller: Caller | null, @RpcTenant() tenantId: string | null | undefined, @RpcData() request: IdRequest) {
    return this.invitations.delete(caller, tenantOf(tenantId), request.id);
  }

  @RpcHandler(AuthorizationRpc.acceptInvitation)
  accept(@RpcData() request: AcceptInvitationRequest) {
    return this.invitations.accept(request);
  }
}
