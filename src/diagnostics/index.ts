export {
  type BundleUpdateMessage,
  type DiagnosticsChannelName,
  diagnosticsChannels,
  type FederationFetchMessage,
  type JwtCacheMessage,
  type StreamConnectMessage,
  type StreamErrorMessage,
  type StreamMessageMessage,
  type StreamReconnectMessage,
  type TlsAuthorizeMessage,
  type WorkloadApiFetchMessage,
  type X509UpdateMessage,
} from './channels.js';
