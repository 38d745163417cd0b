/**
 * The TLS 1.2 ciphers nginx and HAProxy both offer: forward secrecy and AEAD only (Mozilla's
 * "intermediate" list without DHE), so that the two proxies accept the same clients. TLS 1.3's
 * suites are OpenSSL's defaults, these three, on both.
 */
export const TLS12_CIPHERS = 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305';
export const TLS13_SUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
