{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "joblint.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name used as the prefix of every resource. */}}
{{- define "joblint.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "joblint.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "joblint.selectorLabels" -}}
app.kubernetes.io/name: {{ include "joblint.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: admission-webhook
{{- end }}

{{- define "joblint.labels" -}}
helm.sh/chart: {{ include "joblint.chart" . }}
{{ include "joblint.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: joblint
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "joblint.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "joblint.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The TLS Secret mounted by the pods. */}}
{{- define "joblint.tlsSecretName" -}}
{{- if .Values.certificates.secretName }}
{{- .Values.certificates.secretName }}
{{- else if eq .Values.certificates.mode "existingSecret" }}
{{- fail "certificates.secretName is required when certificates.mode is existingSecret" }}
{{- else }}
{{- printf "%s-tls" (include "joblint.fullname" .) }}
{{- end }}
{{- end }}

{{- define "joblint.serviceName" -}}
{{- include "joblint.fullname" . }}
{{- end }}

{{/* DNS names the serving certificate must cover. */}}
{{- define "joblint.dnsNames" -}}
{{- $svc := include "joblint.serviceName" . -}}
{{- $ns := .Release.Namespace -}}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) | toJson }}
{{- end }}

{{- define "joblint.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Namespaces the webhook never sees: kube-system and the release namespace always, plus the user's. */}}
{{- define "joblint.excludedNamespaces" -}}
{{- concat (list "kube-system" .Release.Namespace) .Values.webhook.namespaceSelector.excludeNamespaces | uniq | toJson }}
{{- end }}

{{/* Fails rendering on combinations the schema cannot express. */}}
{{- define "joblint.validate" -}}
{{- if le (int .Values.terminationGracePeriodSeconds) (int .Values.config.webhook.shutdownGraceSeconds) }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed config.webhook.shutdownGraceSeconds (%d), or the kubelet kills pods that are still draining" (int .Values.terminationGracePeriodSeconds) (int .Values.config.webhook.shutdownGraceSeconds)) }}
{{- end }}
{{- if and (eq .Values.certificates.mode "existingSecret") (not .Values.certificates.existingSecret.caBundle) }}
{{- fail "certificates.existingSecret.caBundle is required when certificates.mode is existingSecret: the PEM CA that signed the Secret's certificate" }}
{{- end }}
{{- if and (eq .Values.certificates.mode "existingSecret") (not .Values.certificates.secretName) }}
{{- fail "certificates.secretName is required when certificates.mode is existingSecret" }}
{{- end }}
{{- end }}
