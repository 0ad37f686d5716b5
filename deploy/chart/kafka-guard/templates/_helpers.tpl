{{/* Labels on every object of the release. */}}
{{- define "kafka-guard.labels" -}}
app.kubernetes.io/name: kafka-guard
app.kubernetes.io/component: webhook
{{- end }}

{{/* The ServiceAccount the webhook runs as, as an RBAC subject. */}}
{{- define "kafka-guard.subject" -}}
- kind: ServiceAccount
  name: kafka-guard
  namespace: {{ .Release.Namespace }}
{{- end }}

{{/* The certificates mode in force: auto resolved to cert-manager when the cluster serves it, else generated. */}}
{{- define "kafka-guard.certificatesMode" -}}
{{- if eq .Values.certificates.mode "auto" }}
{{- if .Capabilities.APIVersions.Has "cert-manager.io/v1" }}cert-manager{{ else }}generated{{ end }}
{{- else }}{{ .Values.certificates.mode }}{{ end }}
{{- end }}

{{/* A webhook's clientConfig for one path (/validate, /mutate). */}}
{{- define "kafka-guard.clientConfig" -}}
{{- if .root.Values.webhookUrl }}
url: {{ printf "%s%s" (trimSuffix "/" .root.Values.webhookUrl) .path | quote }}
{{- else }}
service: {namespace: {{ .root.Release.Namespace }}, name: kafka-guard, path: {{ .path }}, port: 443}
{{- end }}
{{- if eq .root.Values.certificates.mode "self-managed" }}
caBundle: {{ required "certificates.caBundle (the base64 PEM of the CA that signed Secret certificates.secretName) is required with certificates.mode=self-managed" .root.Values.certificates.caBundle }}
{{- end }}
{{- end }}

{{/* Namespaces never routed to the webhook. */}}
{{- define "kafka-guard.notSystem" -}}
- {key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, {{ .Release.Namespace }}]}
{{- end }}

{{/* The namespaces the guards and defaults apply to (values guard.*). */}}
{{- define "kafka-guard.guarded" -}}
matchExpressions:
{{- if .Values.guard.namespaces }}
  - {key: kubernetes.io/metadata.name, operator: In, values: [{{ join ", " .Values.guard.namespaces }}]}
{{- else }}
  - {key: {{ .Values.guard.label.key }}, operator: In, values: [{{ .Values.guard.label.value }}]}
{{- end }}
{{- include "kafka-guard.notSystem" . | nindent 2 }}
{{- end }}

{{/* Fails the render on values that cannot work, naming the value and the fix. */}}
{{- define "kafka-guard.validate" -}}
{{- if not (has .Values.certificates.mode (list "auto" "cert-manager" "generated" "self-managed")) }}
{{- fail (printf "certificates.mode=%q: expected auto, cert-manager, generated or self-managed" .Values.certificates.mode) }}
{{- end }}
{{- range $name, $seconds := .Values.timeouts }}
{{- if or (lt (int $seconds) 1) (gt (int $seconds) 30) }}
{{- fail (printf "timeouts.%s=%v: the apiserver accepts timeoutSeconds from 1 to 30" $name $seconds) }}
{{- end }}
{{- end }}
{{- $smallest := min .Values.timeouts.pods .Values.timeouts.statefulsets .Values.timeouts.pvcs .Values.timeouts.nodepools .Values.timeouts.policies }}
{{- if ge (int .Values.decisionDeadlineMs) (mul (int $smallest) 1000) }}
{{- fail (printf "decisionDeadlineMs=%v must stay below the smallest validating timeout (%vs): lower it or raise timeouts" .Values.decisionDeadlineMs $smallest) }}
{{- end }}
{{- if and .Values.webhookUrl (not (hasPrefix "https://" .Values.webhookUrl)) }}
{{- fail (printf "webhookUrl=%q: the apiserver calls webhooks over HTTPS only; give https://HOST:PORT" .Values.webhookUrl) }}
{{- end }}
{{- end }}
