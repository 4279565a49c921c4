// Key Vault for StationHub's secrets (pseudonym key, platform and city signing secrets,
// Open311 API keys, hashed admin/station/city API keys). Access is RBAC only. No secret is
// created here: operators set the values (see secretNames), and the Functions app reads them
// through Key Vault references resolved with its user-assigned identity.

@description('Name of the Key Vault (3-24 letters, digits and dashes).')
@minLength(3)
@maxLength(24)
param name string

@description('Azure region of the vault.')
param location string

@description('Tags applied to the vault.')
param tags resourceInput<'Microsoft.KeyVault/vaults@2024-11-01'>.tags

@description('Name of the user-assigned managed identity the app runs as; it gets Key Vault Secrets User.')
param identityName string

@description('Object ID of the deploying user or service principal; it gets Key Vault Secrets Officer so it can set the secrets. Empty to skip.')
param principalId string = ''

@description('Type of the principal in principalId.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param principalType string = 'User'

@description('''Names of the secrets the app expects (Key Vault names: letters, digits and dashes; the app
setting "A__B" reads the secret "A--B"). They are NOT created: an operator sets each value, for
example `az keyvault secret set --vault-name <vault> --name Secrets--PseudonymKey --value <value>`.
The list is echoed in the outputs so the deployment says which secrets must exist.''')
param secretNames string[]

@description('Days a deleted vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

// Built-in role definition IDs.
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
var keyVaultSecretsOfficerRoleId = 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(principalId)) {
  name: guid(vault.id, principalId, keyVaultSecretsOfficerRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsOfficerRoleId)
    principalId: principalId
    principalType: principalType
  }
}

@description('Resource ID of the vault.')
output resourceId string = vault.id

@description('Name of the vault.')
output name string = vault.name

@description('URI of the vault, ending in a slash.')
output vaultUri string = vault.properties.vaultUri

@description('Names of the secrets an operator must set in the vault.')
output secretNames string[] = secretNames
