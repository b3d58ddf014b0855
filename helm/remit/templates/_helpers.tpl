{{/*
Names. fullname is the prefix of every object: the release name when it already contains the
chart name, else "<release>-<chart>" (Helm's usual rule); each role's objects are "<fullname>-<role>".
*/}}
{{- define "remit.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "remit.fullname" -}}
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

{{- define "remit.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels shared by every object. */}}
{{- define "remit.labels" -}}
helm.sh/chart: {{ include "remit.chart" . }}
{{ include "remit.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: remit
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "remit.selectorLabels" -}}
app.kubernetes.io/name: {{ include "remit.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one role's objects; call with (dict "ctx" $ "role" "rollout"). */}}
{{- define "remit.roleLabels" -}}
{{ include "remit.labels" .ctx }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "remit.roleSelectorLabels" -}}
{{ include "remit.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .role }}
{{- end }}

{{- define "remit.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "remit.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The run directory on the shared volume. */}}
{{- define "remit.runDir" -}}
{{- printf "%s/runs/%s" (trimSuffix "/" .Values.persistence.mountPath) (default (include "remit.fullname" .) .Values.run.name) }}
{{- end }}

{{/*
Image of a role; call with (dict "ctx" $ "device" "cuda"). With a digest (image.digests.<device>,
else image.digest) the reference is "<repository>:<tag>@<digest>": the digest decides what runs.
A single image.digest cannot name both flavours, so it is refused when roles use both.
*/}}
{{- define "remit.image" -}}
{{- $v := .ctx.Values.image }}
{{- $tag := default .ctx.Chart.AppVersion $v.tag }}
{{- if $v.flavorSuffix }}{{ $tag = printf "%s-%s" $tag .device }}{{ end }}
{{- $digest := default $v.digest (index (default dict $v.digests) .device) }}
{{- if and $v.digest $v.flavorSuffix (not (index (default dict $v.digests) .device)) (gt (len (include "remit.devices" .ctx | fromJsonArray)) 1) }}
{{- fail "image.digest names one image, but with image.flavorSuffix the roles use both the -cpu and the -cuda image: set image.digests.cpu and image.digests.cuda instead" }}
{{- end }}
{{- if $digest }}
{{- printf "%s:%s@%s" $v.repository $tag $digest }}
{{- else }}
{{- printf "%s:%s" $v.repository $tag }}
{{- end }}
{{- end }}

{{/* The devices of the roles that run (a JSON list without duplicates). */}}
{{- define "remit.devices" -}}
{{- $devices := list }}
{{- range $role := list "coordinator" "rollout" "verifier" "guide" }}
{{- $spec := index $.Values $role }}
{{- if gt (int $spec.replicas) 0 }}{{ $devices = append $devices $spec.device }}{{ end }}
{{- end }}
{{- if gt (int .Values.learners.workers) 0 }}{{ $devices = append $devices .Values.learners.device }}{{ end }}
{{- $devices | uniq | toJson }}
{{- end }}

{{/* Headless-service DNS name of pod <ordinal> of a role. */}}
{{- define "remit.podHost" -}}
{{- $full := include "remit.fullname" .ctx }}
{{- printf "%s-%s-%v.%s-%s.%s.svc.%s" $full .role .ordinal $full .role .ctx.Release.Namespace .ctx.Values.clusterDomain }}
{{- end }}

{{/* Akka seed nodes (REMIT_SEED_NODES); akka.ssl.tcp with TLS. */}}
{{- /*
Coordinator-0 first: as Akka's first seed node it forms the cluster when no other seed answers. Then
verifier-0 and guide-0 (when they run): a coordinator container that restarts (same pod, same address)
asks them first and joins the running cluster through them instead of founding a second one beside it,
which left every worker in the old cluster and the run stalled (found by killing the coordinator's
container in scripts/check-images.sh).
*/}}
{{- define "remit.seedNodes" -}}
{{- $scheme := ternary "akka.ssl.tcp" "akka.tcp" .Values.tls.enabled }}
{{- $seeds := list (printf "%s://remit@%s:%v" $scheme (include "remit.podHost" (dict "ctx" . "role" "coordinator" "ordinal" 0)) .Values.akka.port) }}
{{- range $role := list "verifier" "guide" }}
{{- if gt (int (index $.Values $role).replicas) 0 }}
{{- $seeds = append $seeds (printf "%s://remit@%s:%v" $scheme (include "remit.podHost" (dict "ctx" $ "role" $role "ordinal" 0)) $.Values.akka.port) }}
{{- end }}
{{- end }}
{{- join "," $seeds }}
{{- end }}

{{- define "remit.kubernetesDiscovery" -}}
{{- if eq .Values.discovery.mode "kubernetes" }}true{{ end }}
{{- end }}

{{/*
Seeds of the learner ranks with kubernetes discovery: pod 0 of every other role (mpirun starts the ranks over
ssh, outside the pod's environment and API access, and a rank never founds a cluster: any member lets it in).
*/}}
{{- define "remit.learnerSeedNodes" -}}
{{- $seeds := list }}
{{- range $role := list "coordinator" "verifier" "guide" "rollout" }}
{{- if gt (int (index $.Values $role).replicas) 0 }}
{{- $seeds = append $seeds (printf "%s://remit@%s:%v" (ternary "akka.ssl.tcp" "akka.tcp" $.Values.tls.enabled) (include "remit.podHost" (dict "ctx" $ "role" $role "ordinal" 0)) $.Values.akka.port) }}
{{- end }}
{{- end }}
{{- join "," $seeds }}
{{- end }}

{{/* Label selector of the release's pods (REMIT_K8S_LABEL_SELECTOR): the selector labels as key=value pairs. */}}
{{- define "remit.podLabelSelector" -}}
{{- printf "app.kubernetes.io/name=%s,app.kubernetes.io/instance=%s" (include "remit.name" .) .Release.Name }}
{{- end }}

{{/* Contact points that must answer before a new cluster is founded: discovery.requiredContactPoints, or every non-learner pod. */}}
{{- define "remit.requiredContactPoints" -}}
{{- if gt (int .Values.discovery.requiredContactPoints) 0 }}
{{- .Values.discovery.requiredContactPoints }}
{{- else }}
{{- add (int .Values.coordinator.replicas) (int .Values.rollout.replicas) (int .Values.verifier.replicas) (int .Values.guide.replicas) }}
{{- end }}
{{- end }}

{{/* The Secret holding ca.crt, tls.crt and tls.key (existing, cert-manager's or the chart's). */}}
{{- define "remit.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "remit.fullname" .)) .Values.tls.existingSecret }}
{{- end }}

{{/* Wildcard DNS names of every role's pods (the node certificate's subject alternative names). */}}
{{- define "remit.podDnsNames" -}}
{{- $full := include "remit.fullname" . }}
{{- range $role := list "coordinator" "rollout" "verifier" "guide" "learner" }}
- {{ printf "*.%s-%s.%s.svc.%s" $full $role $.Release.Namespace $.Values.clusterDomain | quote }}
{{- end }}
- {{ printf "*.%s-learners.%s.svc.%s" $full .Release.Namespace .Values.clusterDomain | quote }}
{{- end }}

{{/* Arguments after "remit node --role <role>": the run config and the overrides. */}}
{{- define "remit.runArgs" -}}
{{- if .Values.run.config }}
- --config
- /etc/remit/run.json
{{- end }}
{{- range $k, $v := .Values.run.overrides }}
- --set
- {{ printf "%s=%v" $k $v | quote }}
{{- end }}
{{- end }}

{{/*
Environment shared by every node container; call with (dict "ctx" $ "role" "rollout" "device" "cpu").
REMIT_HOSTNAME is the pod's own DNS name through its role's headless Service, so the other members
can reach it (an MPI rank derives its own from `hostname -f` instead, see learner-rank.sh).
*/}}
{{- define "remit.env" -}}
{{- $ctx := .ctx }}
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: REMIT_ROLE
  value: {{ .role | quote }}
{{- if and (include "remit.kubernetesDiscovery" $ctx) (ne .role "learner") }}
# Cluster Bootstrap: list the release's pods through the API server, join the cluster they are in (a restarted
# pod rejoins it); the pod with the lowest IP founds one only when no pod is in any.
- name: POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: REMIT_DISCOVERY
  value: kubernetes
- name: REMIT_K8S_NAMESPACE
  value: "$(POD_NAMESPACE)"
- name: REMIT_K8S_LABEL_SELECTOR
  value: {{ include "remit.podLabelSelector" $ctx | quote }}
- name: REMIT_MANAGEMENT_HOSTNAME
  value: "$(POD_IP)"
- name: REMIT_MANAGEMENT_PORT
  value: {{ $ctx.Values.discovery.managementPort | quote }}
- name: REMIT_K8S_REQUIRED_CONTACT_POINTS
  value: {{ include "remit.requiredContactPoints" $ctx | quote }}
- name: REMIT_K8S_STABLE_MARGIN_S
  value: {{ $ctx.Values.discovery.stableMarginSeconds | quote }}
{{- else if include "remit.kubernetesDiscovery" $ctx }}
- name: REMIT_SEED_NODES
  value: {{ include "remit.learnerSeedNodes" $ctx | quote }}
{{- else }}
- name: REMIT_SEED_NODES
  value: {{ include "remit.seedNodes" $ctx | quote }}
{{- end }}
- name: REMIT_HOSTNAME
  value: {{ printf "$(POD_NAME).%s-%s.$(POD_NAMESPACE).svc.%s" (include "remit.fullname" $ctx) .role $ctx.Values.clusterDomain | quote }}
- name: REMIT_PORT
  value: {{ $ctx.Values.akka.port | quote }}
- name: REMIT_METRICS_PORT
  value: {{ $ctx.Values.metrics.port | quote }}
- name: REMIT_RUN_DIR
  value: {{ include "remit.runDir" $ctx | quote }}
- name: REMIT_PRESET
  value: {{ $ctx.Values.run.preset | quote }}
{{- if $ctx.Values.run.config }}
- name: REMIT_CONFIG
  value: /etc/remit/run.json
{{- end }}
- name: REMIT_DEVICE
  value: {{ .device | quote }}
{{- if $ctx.Values.tls.enabled }}
# Mutual TLS: the run's CA, this pod's certificate and key (the tls volume; see tls.* in values.yaml).
- name: REMIT_TLS_CA
  value: /etc/remit-tls/ca.crt
- name: REMIT_TLS_CERT
  value: /etc/remit-tls/tls.crt
- name: REMIT_TLS_KEY
  value: /etc/remit-tls/tls.key
{{- else }}
- name: REMIT_INSECURE
  value: "1"
{{- end }}
# The coordinator continues the run in REMIT_RUN_DIR when it already holds one (a restarted pod, a reinstall).
- name: REMIT_RESUME
  value: "auto"
- name: HOME
  value: /tmp
- name: TMPDIR
  value: /tmp
{{- with $ctx.Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Resources with the role's GPUs added to requests and limits; call with a role block. */}}
{{- define "remit.resources" -}}
{{- $res := deepCopy (default dict .resources) }}
{{- if gt (int .gpus) 0 }}
{{- $limits := default dict $res.limits }}
{{- $_ := set $limits "nvidia.com/gpu" (int .gpus) }}
{{- $_ := set $res "limits" $limits }}
{{- $requests := default dict $res.requests }}
{{- $_ := set $requests "nvidia.com/gpu" (int .gpus) }}
{{- $_ := set $res "requests" $requests }}
{{- end }}
{{- toYaml $res }}
{{- end }}

{{/* Scheduling of a role: its own nodeSelector/tolerations/affinity, else the global ones. */}}
{{- define "remit.scheduling" -}}
{{- $ctx := .ctx }}
{{- with (default $ctx.Values.nodeSelector .spec.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $ctx.Values.tolerations .spec.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (default $ctx.Values.affinity .spec.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $ctx.Values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end }}

{{/*
Pod-level fields shared by every pod; call with (dict "ctx" $ "apiAccess" true|false). Only pods that run Cluster
Bootstrap get the service account token (it may list the release's pods, see rbac.yaml); the others get none.
*/}}
{{- define "remit.podCommon" -}}
{{- $ctx := .ctx }}
serviceAccountName: {{ include "remit.serviceAccountName" $ctx }}
automountServiceAccountToken: {{ if and .apiAccess (include "remit.kubernetesDiscovery" $ctx) }}true{{ else }}false{{ end }}
enableServiceLinks: false
{{- with $ctx.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $ctx.Values.podSecurityContext | nindent 2 }}
{{- end }}

{{/* Volumes of every pod: config, /tmp, /dev/shm, the run volume. */}}
{{- define "remit.volumes" -}}
- name: config
  configMap:
    name: {{ include "remit.fullname" . }}-config
    defaultMode: 0555
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmp.sizeLimit }}
{{- if .Values.shmSize }}
- name: dshm
  emptyDir:
    medium: Memory
    sizeLimit: {{ .Values.shmSize }}
{{- end }}
{{- if .Values.tls.enabled }}
- name: tls
  secret:
    secretName: {{ include "remit.tlsSecretName" . }}
    defaultMode: 0440
{{- end }}
- name: data
{{- if .Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-data" (include "remit.fullname" .)) .Values.persistence.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end }}

{{- define "remit.volumeMounts" -}}
- name: config
  mountPath: /etc/remit
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if .Values.shmSize }}
- name: dshm
  mountPath: /dev/shm
{{- end }}
- name: data
  mountPath: {{ .Values.persistence.mountPath }}
{{- if .Values.tls.enabled }}
- name: tls
  mountPath: /etc/remit-tls
  readOnly: true
{{- end }}
{{- end }}

{{/* HTTP probes on the metrics port. */}}
{{- define "remit.httpProbes" -}}
startupProbe:
  httpGet:
    path: /metrics
    port: metrics
  {{- toYaml .Values.probes.startup | nindent 2 }}
livenessProbe:
  httpGet:
    path: /metrics
    port: metrics
  {{- toYaml .Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /metrics
    port: metrics
  {{- toYaml .Values.probes.readiness | nindent 2 }}
{{- end }}

{{/* Pod annotations: the config checksum rolls every pod when the run config changes. */}}
{{- define "remit.podAnnotations" -}}
checksum/config: {{ include (print .ctx.Template.BasePath "/configmap.yaml") .ctx | sha256sum }}
{{- with .ctx.Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The learner: total ranks and metrics ports, one per local rank. */}}
{{- define "remit.learnerRanks" -}}
{{- mul (int .Values.learners.workers) (int .Values.learners.slotsPerWorker) }}
{{- end }}

{{- define "remit.learnerMetricsPorts" -}}
{{- range $r := until (int .Values.learners.slotsPerWorker) }}
- name: {{ ternary "metrics" (printf "metrics-%d" $r) (eq $r 0) }}
  containerPort: {{ add $.Values.metrics.port $r }}
  protocol: TCP
- name: {{ ternary "akka" (printf "akka-%d" $r) (eq $r 0) }}
  containerPort: {{ add $.Values.akka.port $r }}
  protocol: TCP
{{- end }}
{{- end }}
