{{/* joblint.yaml as the server reads it (kebab-case keys), rendered from .Values.config. */}}
{{- define "joblint.configFile" -}}
{{- $c := .Values.config -}}
{{- $w := $c.webhook -}}
kube-version: {{ $c.kubeVersion | quote }}
{{- if $c.rules }}
rules:
  {{- toYaml $c.rules | nindent 2 }}
{{- else }}
rules: {}
{{- end }}
webhook:
  mode: {{ $w.mode }}
  warn-on: {{ $w.warnOn }}
  exempt-namespaces: {{ $w.exemptNamespaces | toJson }}
  allow-cronjob-owned-jobs: {{ $w.allowCronJobOwnedJobs }}
  allow-annotation-opt-out: {{ $w.allowAnnotationOptOut }}
  shutdown-grace-seconds: {{ int $w.shutdownGraceSeconds }}
  max-body-bytes: {{ int64 $w.maxBodyBytes }}
{{- end }}
