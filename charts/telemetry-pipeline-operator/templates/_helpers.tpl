{{/* Chart name, overridable. */}}
{{- define "tpo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects: the release name alone when it already contains the chart name. */}}
{{- define "tpo.fullname" -}}
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

{{- define "tpo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Immutable Deployment selector. */}}
{{- define "tpo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tpo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "tpo.labels" -}}
helm.sh/chart: {{ include "tpo.chart" . }}
{{ include "tpo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: telemetry-pipeline-operator
{{- end }}

{{- define "tpo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tpo.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag or repository@digest; the tag defaults to the appVersion. */}}
{{- define "tpo.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Collector pods run the operator's own image unless told otherwise. */}}
{{- define "tpo.collectorImage" -}}
{{- default (include "tpo.image" .) .Values.collectorImage }}
{{- end }}

{{/* The name of the metrics Service; also the `job` label Prometheus gives the operator's targets. */}}
{{- define "tpo.metricsServiceName" -}}
{{- printf "%s-metrics" (include "tpo.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
