import { AuthorizationRpc, PermissionCatalogue, RoleTemplate } from '@gatehouse/contracts';
import { RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { PERMISSION_CATALOGUE, ROLE_TEMPLATES } from './catalogue';

@Controller()
export class CatalogueHandlers {
  @RpcHandler(AuthorizationRpc.catalogue)
  permissions(): PermissionCatalogue {
    return PERMISSION_CATALOGUE;
  }

  @RpcHandler(AuthorizationRpc.templates)
  templates(): RoleTemplate[] {
    return ROLE_TEMPLATES;
  }
}
