//! TLS for the webhook: loading a certificate and key pair (PEM), the certificate resolver that
//! swaps pairs on reload, the client-CA verifier for mTLS, and the rustls server config
//! (TLS 1.2 and 1.3, ALPN h2 and http/1.1, the ring provider).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, WebPkiClientVerifier};
use rustls::sign::CertifiedKey;
use rustls::{RootCertStore, ServerConfig};

/// Why a TLS file could not be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: no PEM certificate found", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{}: invalid PEM: {message}", path.display())]
    Pem { path: PathBuf, message: String },
    #[error("{}: no PEM private key found (PKCS#8, PKCS#1 or SEC1)", path.display())]
    NoKey { path: PathBuf },
    #[error("{}: unsupported private key: {message}", path.display())]
    UnsupportedKey { path: PathBuf, message: String },
    #[error("{} does not match the certificate in {}: {message}", key.display(), cert.display())]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        message: String,
    },
    #[error("{}: no usable CA certificate: {message}", path.display())]
    ClientCa { path: PathBuf, message: String },
    #[error("TLS configuration: {0}")]
    Config(String),
}

/// The crypto provider: ring (builds without cmake or nasm).
// rustls 0.23.48 deprecates ring's provider for lacking post-quantum key exchange; clients that
// offer X25519MLKEM768 (Go 1.24+, so kube-apiserver) fall back to X25519 with it. aws-lc-rs, the
// provider with it, needs cmake and nasm to build.
#[allow(deprecated)]
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Where the pair lives on disk.
#[derive(Debug, Clone)]
pub struct PairPaths {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The raw bytes of a pair, as read in one go (to hash them and to parse them).
pub struct PairBytes {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
}

impl PairPaths {
    pub fn read(&self) -> Result<PairBytes, TlsError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|source| TlsError::Read {
                path: path.to_path_buf(),
                source,
            })
        };
        Ok(PairBytes {
            cert: read(&self.cert)?,
            key: read(&self.key)?,
        })
    }

    /// Parses a pair and checks that the key belongs to the certificate. A half-written file
    /// fails here (truncated PEM, or a new certificate with the old key).
    pub fn parse(
        &self,
        bytes: &PairBytes,
        provider: &CryptoProvider,
    ) -> Result<CertifiedKey, TlsError> {
        let chain = CertificateDer::pem_slice_iter(&bytes.cert)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::Pem {
                path: self.cert.clone(),
                message: e.to_string(),
            })?;
        if chain.is_empty() {
            return Err(TlsError::NoCertificate {
                path: self.cert.clone(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(&bytes.key).map_err(|e| match e {
            rustls::pki_types::pem::Error::NoItemsFound => TlsError::NoKey {
                path: self.key.clone(),
            },
            e => TlsError::Pem {
                path: self.key.clone(),
                message: e.to_string(),
            },
        })?;
        let signing_key =
            provider
                .key_provider
                .load_private_key(key)
                .map_err(|e| TlsError::UnsupportedKey {
                    path: self.key.clone(),
                    message: e.to_string(),
                })?;
        let certified = CertifiedKey::new(chain, signing_key);
        certified.keys_match().map_err(|e| TlsError::Mismatch {
            cert: self.cert.clone(),
            key: self.key.clone(),
            message: e.to_string(),
        })?;
        Ok(certified)
    }
}

/// Hands every new handshake the current pair. Reloads replace the pair only with one that
/// parsed and matched; until a first pair is loaded, handshakes fail.
#[derive(Default)]
pub struct CertStore {
    current: RwLock<Option<Arc<CertifiedKey>>>,
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertStore")
            .field("loaded", &self.is_loaded())
            .finish()
    }
}

impl CertStore {
    pub fn set(&self, pair: CertifiedKey) {
        let pair = Arc::new(pair);
        match self.current.write() {
            Ok(mut current) => *current = Some(pair),
            Err(poisoned) => *poisoned.into_inner() = Some(pair),
        }
    }

    pub fn get(&self) -> Option<Arc<CertifiedKey>> {
        match self.current.read() {
            Ok(current) => current.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub fn is_loaded(&self) -> bool {
        self.get().is_some()
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.get()
    }
}

/// The rustls server config: TLS 1.2 and 1.3, ALPN h2 then http/1.1, certificates from
/// `store`, and client certificates required when `client_ca` is given.
pub fn server_config(
    store: Arc<CertStore>,
    client_ca: Option<&Path>,
) -> Result<ServerConfig, TlsError> {
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = match client_ca {
        Some(path) => {
            let roots = client_roots(path)?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| TlsError::ClientCa {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_cert_resolver(store);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn client_roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let bytes = std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TlsError::Pem {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate {
            path: path.to_path_buf(),
        });
    }
    let mut roots = RootCertStore::empty();
    for cert in certs {
        roots.add(cert).map_err(|e| TlsError::ClientCa {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    }
    Ok(roots)
}
