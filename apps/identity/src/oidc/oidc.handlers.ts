import { OidcHttpRequest, OidcHttpResponse, OidcRpc } from '@gatehouse/contracts';
import { RpcData, RpcHandler } from '@gatehouse/messaging';
import { Controller } from '@nestjs/common';
import { RpcIp } from '../common/envelope';
import { OidcBridge } from './oidc-bridge';

@Controller()
export class OidcHandlers {
  constructor(private readonly bridge: OidcBridge) {}

  @RpcHandler(OidcRpc.http)
  http(@RpcData() request: OidcHttpRequest, @RpcIp() ip: string | null): Promise<OidcHttpResponse> {
    return this.bridge.handle(request, ip);
  }
}
