// StationHub on Azure: one resource group holding a Flex Consumption Functions app, its
// storage (host, deployment package, queues, tables), monitoring and Key Vault, all reached
// through one user-assigned managed identity. Deployed with `azd up` (see azure.yaml).
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment. Names the resource group (rg-<name>) and seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Azure region for every resource. Pick one where Flex Consumption is offered.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object ID of the deploying user (azd passes AZURE_PRINCIPAL_ID). It gets Key Vault Secrets Officer and blob, queue and table data access, to set secrets and inspect queues, tables and dead letters. Empty to skip.')
param principalId string = ''

@description('Type of the principal in principalId: User when a person runs azd, ServicePrincipal in a pipeline.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('''App settings whose values are Key Vault secrets. Each setting becomes a Key Vault reference to the
secret of the same name with "--" in place of "__", for example Secrets__PseudonymKey -> Secrets--PseudonymKey.
Add one entry per platform, city and API-key principal, e.g. Secrets__Platforms__<id>__SigningSecret,
Secrets__Cities__<id>__SigningSecret, Secrets__Cities__<id>__Open311ApiKey, Auth__ApiKeyHashes__<kind>__<id>.''')
param secretSettingNames string[] = [
  'Secrets__PseudonymKey'
  // The key of the hub's report ids (HMAC), apart from the pseudonym key.
  'Secrets__HubIdKey'
  // The ledger's Ed25519 checkpoint key: a secret, because Key Vault keys do not do Ed25519.
  'Secrets__LedgerSigningKey'
  // The key-encryption key (base64, 32 bytes) of the signing secrets the registry issues (AES-256-GCM).
  'Registry__CredentialKey'
]

@description('Plain app settings that replace or add to the defaults in this template (for example Ledger__TimeZone).')
param appSettingOverrides { *: string } = {}

@description('Upper bound on the number of instances the Function app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

// Every name is known before deployment (no module output feeds a name), so What-If can
// predict the whole deployment; modules that need another's resources say so in dependsOn.
var names = {
  identity: 'id-api-${resourceToken}'
  storage: 'st${resourceToken}'
  deploymentContainer: 'app-package-func-api-${resourceToken}'
  logAnalytics: 'log-${resourceToken}'
  applicationInsights: 'appi-${resourceToken}'
  keyVault: 'kv-${resourceToken}'
  plan: 'plan-${resourceToken}'
  functionApp: 'func-api-${resourceToken}'
}

// The app's trigger table: exactly the names in functions/StationHub/Triggers/TriggerTable.cs
// (Queues.All and Tables.All); a test in the default suite (InfraTriggerTableTests) keeps them equal.
var queueNames = [
  'hazard-reports-accepted'
  'hazard-report-updates'
  'deliveries'
  'deliveries-1'
  'pickup-orders-events'
  'points-transactions'
  'gig-work-events'
  'ledger-witness'
  'station-notices'
]

var tableNames = [
  'HazardReports'
  'CityRequests'
  'Deliveries'
  'DeadLetters'
  'TimerClaims'
  'PickupOrders'
  'PointsAccounts'
  'Vouchers'
  'LedgerDays'
  'StationStatus'
  'GigWork'
  'Endpoints'
  'ParkedDeliveries'
  'DeliveryThrottle'
  'LedgerTree'
  'LedgerCheckpoints'
  'Registry'
]

// Plain settings with their documented defaults; secrets come from Key Vault (secretSettingNames).
var defaultAppSettings = {
  Registry__Path: 'registry.json'
  Ledger__TimeZone: 'Asia/Shanghai'
  Delivery__RetrySchedule: '00:00:05,00:05:00,00:30:00,02:00:00,05:00:00,10:00:00,10:00:00'
  Delivery__Timeout: '00:00:15'
  // Each host reads the registry's version row this often (one point read), and serves a change within it.
  Registry__PollInterval: '00:00:04'
  Delivery__DisableAfter: '5.00:00:00'
  Funds__GovernanceSharePercent: '20'
  // The warm map's street layer (GET /map): OpenStreetMap's standard tiles; the page's CSP allows this host only.
  Map__TileUrl: 'https://tile.openstreetmap.org/{z}/{x}/{y}.png'
  Map__TileAttribution: '© OpenStreetMap contributors'
  Map__TileAttributionUrl: 'https://www.openstreetmap.org/copyright'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: names.deploymentContainer
    queueNames: queueNames
    tableNames: tableNames
    identityName: names.identity
    principalId: principalId
    principalType: principalType
  }
  dependsOn: [
    identity
  ]
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    identityName: names.identity
  }
  dependsOn: [
    identity
  ]
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    identityName: names.identity
    principalId: principalId
    principalType: principalType
    secretNames: [for settingName in secretSettingNames: replace(settingName, '__', '--')]
  }
  dependsOn: [
    identity
  ]
}

module functionApp 'app/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityName: names.identity
    storageAccountName: names.storage
    deploymentContainerName: names.deploymentContainer
    applicationInsightsName: names.applicationInsights
    keyVaultName: names.keyVault
    appSettings: union(defaultAppSettings, appSettingOverrides)
    secretSettingNames: secretSettingNames
    maximumInstanceCount: maximumInstanceCount
  }
  // The identity's data roles must exist before the host starts and resolves Key Vault references.
  dependsOn: [
    identity
    storage
    monitoring
    keyVault
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = functionApp.outputs.uri
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.vaultUri
output AZURE_KEY_VAULT_SECRET_NAMES string = join(keyVault.outputs.secretNames, ',')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
