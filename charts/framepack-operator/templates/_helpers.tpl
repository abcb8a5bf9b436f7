{{- define "framepack.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "framepack.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "framepack.labels" -}}
app.kubernetes.io/name: {{ include "framepack.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "framepack.selectorLabels" -}}
app.kubernetes.io/name: {{ include "framepack.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- /* An image reference: repository@digest when a digest is given (immutable), else repository:tag. */ -}}
{{- define "framepack.image" -}}
{{- if .image.digest -}}
{{ .image.repository }}@{{ .image.digest }}
{{- else -}}
{{ .image.repository }}:{{ .image.tag | default .appVersion }}
{{- end -}}
{{- end -}}

{{- /* The given pull policy, else one that fits the reference: a digest cannot change, a tag may move. */ -}}
{{- define "framepack.pullPolicy" -}}
{{- .pullPolicy | default (ternary "IfNotPresent" "Always" (not (empty .digest))) -}}
{{- end -}}

{{- define "framepack.operatorImage" -}}
{{ include "framepack.image" (dict "image" .Values.image "appVersion" .Chart.AppVersion) }}
{{- end -}}

{{- define "framepack.workerImage" -}}
{{ include "framepack.image" (dict "image" .Values.worker.image "appVersion" .Chart.AppVersion) }}
{{- end -}}

{{- /* The operator's permissions, the same whether granted per namespace or cluster-wide. Why each is
needed: src/docs/security.md. */ -}}
{{- define "framepack.operatorRules" -}}
- apiGroups: [framepack.io]
  resources: [videogenerations]
  verbs: [get, list, watch]
- apiGroups: [framepack.io]
  resources: [videogenerations/status]
  verbs: [update]
- apiGroups: [framepack.io]
  resources: [videogenerations/finalizers]
  verbs: [update]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [get, list, watch, create, patch]
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [list, watch, create, get, patch]
- apiGroups: [""]
  resources: [serviceaccounts]
  verbs: [get, create]
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: [get, create]
- apiGroups: [""]
  resources: [events]
  verbs: [create, list]
{{- if .Values.worker.credentials.requireLabel }}
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
{{- end }}
{{- end -}}
