{{/* Names, labels and the pieces shared by the web, worker, beat and migration pods. */}}

{{- define "klanten.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 40 | trimSuffix "-" }}
{{- end }}

{{/* The full name, short enough for the component suffixes (-web, -worker, -migrate ...). */}}
{{- define "klanten.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 40 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "klanten.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "klanten.selectorLabels" -}}
app.kubernetes.io/name: {{ include "klanten.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "klanten.labels" -}}
helm.sh/chart: {{ include "klanten.chart" . }}
{{ include "klanten.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "klanten.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "klanten.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "klanten.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "klanten.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- include "klanten.fullname" . }}
{{- end }}
{{- end }}

{{/* The data of the ConfigMap: the non-secret environment variables. */}}
{{- define "klanten.configData" -}}
DJANGO_SETTINGS_MODULE: klanten.conf.settings
DEBUG: "false"
ALLOWED_HOSTS: {{ required "settings.allowedHosts is required" (join "," .Values.settings.allowedHosts) | quote }}
SITE_DOMAIN: {{ default (first .Values.settings.allowedHosts) .Values.settings.siteDomain | quote }}
IS_HTTPS: {{ .Values.settings.isHttps | quote }}
SECURE_PROXY_SSL_HEADER: {{ .Values.settings.secureProxySslHeader | quote }}
USE_X_FORWARDED_HOST: {{ .Values.settings.useXForwardedHost | quote }}
SECURE_HSTS_SECONDS: {{ .Values.settings.hstsSeconds | quote }}
SECURE_HSTS_INCLUDE_SUBDOMAINS: {{ .Values.settings.hstsIncludeSubdomains | quote }}
CSRF_TRUSTED_ORIGINS: {{ join "," .Values.settings.csrfTrustedOrigins | quote }}
LOG_LEVEL: {{ .Values.settings.logLevel | quote }}
LOG_FORMAT: {{ .Values.settings.logFormat | quote }}
LOG_REQUESTS: {{ .Values.settings.logRequests | quote }}
METRICS_ENABLED: {{ .Values.settings.metricsEnabled | quote }}
{{- /* the database: settings.database.*, or a DATABASE_URL (secrets.databaseUrl, or a key of the
existing Secret), which Klanten prefers over the DB_* variables */}}
{{- if or .Values.settings.database.host (not (or .Values.secrets.databaseUrl .Values.secrets.existingSecret)) }}
DB_HOST: {{ required "settings.database.host is required (or secrets.databaseUrl)" .Values.settings.database.host | quote }}
DB_PORT: {{ .Values.settings.database.port | quote }}
DB_NAME: {{ .Values.settings.database.name | quote }}
DB_USER: {{ .Values.settings.database.user | quote }}
{{- end }}
DB_CONN_MAX_AGE: {{ .Values.settings.database.connMaxAge | quote }}
DB_CONNECT_TIMEOUT: {{ .Values.settings.database.connectTimeout | quote }}
NOTIFICATIONS_DISABLED: {{ .Values.settings.notifications.disabled | quote }}
NOTIFICATIONS_GUARANTEE_DELIVERY: {{ .Values.settings.notifications.guaranteeDelivery | quote }}
STATIC_ROOT: /app/static
MEDIA_ROOT: /app/media
PRIVATE_MEDIA_ROOT: /app/private-media
PROMETHEUS_MULTIPROC_DIR: /tmp/metrics
{{- range $name, $value := .Values.extraConfig }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end }}

{{/* The data of the Secret: the secret environment variables. */}}
{{- define "klanten.secretData" -}}
SECRET_KEY: {{ required "secrets.secretKey is required (or secrets.existingSecret)" .Values.secrets.secretKey | quote }}
{{- with .Values.secrets.databaseUrl }}
DATABASE_URL: {{ . | quote }}
{{- end }}
{{- with .Values.secrets.databasePassword }}
DB_PASSWORD: {{ . | quote }}
{{- end }}
{{- with .Values.secrets.celeryBrokerUrl }}
CELERY_BROKER_URL: {{ . | quote }}
{{- end }}
{{- with .Values.secrets.celeryResultBackend }}
CELERY_RESULT_BACKEND: {{ . | quote }}
{{- end }}
{{- with .Values.secrets.metricsToken }}
METRICS_TOKEN: {{ . | quote }}
{{- end }}
{{- range $name, $value := .Values.secrets.extra }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end }}

{{/* envFrom of every container; the argument is a dict: root (.) and suffix of the names */}}
{{- define "klanten.envFrom" -}}
- configMapRef:
    name: {{ include "klanten.fullname" .root }}{{ .suffix }}
- secretRef:
    name: {{ if .root.Values.secrets.existingSecret }}{{ .root.Values.secrets.existingSecret }}{{ else }}{{ include "klanten.fullname" .root }}{{ .suffix }}{{ end }}
{{- with .root.Values.extraEnvFrom }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Pod-level fields shared by all pods. */}}
{{- define "klanten.podSpec" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Volumes: /tmp (gunicorn, Celery beat's schedule, metrics) and the private media. */}}
{{- define "klanten.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
- name: private-media
  {{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-private-media" (include "klanten.fullname" .)) .Values.persistence.existingClaim }}
  {{- else }}
  emptyDir: {}
  {{- end }}
{{- end }}

{{- define "klanten.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: private-media
  mountPath: /app/private-media
{{- end }}
